"""In-memory twins of the stores and channels: one per port, each run through the same contract tests as
its DynamoDB or AWS adapter. They live with the tests, so they never ship in the Lambda bundle."""
