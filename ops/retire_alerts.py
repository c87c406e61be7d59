"""Deploy step: the attorney-alerts SNS topic's e-mail subscriptions are removed.

Attorney e-mail used to reach attorneys as one SNS e-mail subscription each on the
``maeul-<stage>-attorney-alerts`` topic. E-mail goes through SES now and the topic left the
template; before the stack update deletes it, this step unsubscribes every confirmed
subscription still on it, so that no attorney keeps an AWS subscription the project no longer
knows about. (A subscription still pending confirmation has no ARN to unsubscribe; it goes with
the topic.) ``stack.deploy`` runs it whenever the deployed stack still has the topic's output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

OLD_OUTPUT = "AttorneyAlertsTopicArn"


def retire_alert_subscriptions(session: Any, outputs: Mapping[str, str],
                               log: Callable[[str], None] = print) -> int:
    """Unsubscribe the old attorney-alerts topic's subscriptions; returns how many."""
    from botocore.exceptions import ClientError

    topic = outputs.get(OLD_OUTPUT)
    if not topic:
        return 0
    sns = session.client("sns")
    try:
        pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
        subscriptions = [s for page in pages for s in page["Subscriptions"]]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NotFound":
            return 0
        raise
    removed = 0
    for sub in subscriptions:
        arn = sub.get("SubscriptionArn", "")
        if not arn.startswith("arn:"):
            continue  # pending confirmation: deleted with the topic
        sns.unsubscribe(SubscriptionArn=arn)
        removed += 1
    log(f"  attorney-alerts topic: {removed} subscription(s) removed (e-mail goes through SES now)")
    return removed
