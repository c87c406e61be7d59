"""ops/front_door.py on a minimal packaged template: the parts that depend on the stage's settings."""

from __future__ import annotations

from ops import front_door


def _template() -> dict:
    return {"Resources": {
        "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "api", "DefinitionBody": {}}},
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
        "Offers": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "OffersEvent": {"Type": "Schedule", "Properties": {"Schedule": "cron(* * * * ? *)"}}}}}}}


def test_with_a_hosted_zone_the_certificate_validates_and_the_name_resolves_by_themselves() -> None:
    template = _template()
    front_door.harden(template, "prod", "maeul.gg.go.kr", {"hosted_zone_id": "Z123", "log_retention_days": 365})
    resources = template["Resources"]
    assert resources["ApiCertificate"]["Properties"]["DomainValidationOptions"] == [
        {"DomainName": "maeul.gg.go.kr", "HostedZoneId": "Z123"}]
    record = resources["ApiDnsRecord"]["Properties"]
    assert record["Name"] == "maeul.gg.go.kr" and record["Type"] == "A"
    assert record["AliasTarget"]["DNSName"] == {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]}


def test_without_a_hosted_zone_dns_is_left_to_the_operator() -> None:
    template = _template()
    front_door.harden(template, "dev", "dev.maeul.gg.go.kr", {})
    resources = template["Resources"]
    assert "DomainValidationOptions" not in resources["ApiCertificate"]["Properties"]
    assert "ApiDnsRecord" not in resources
    assert template["Outputs"]["DomainTarget"]["Value"] == {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]}


def test_stage_settings_reach_the_throttling_waf_and_concurrency() -> None:
    template = _template()
    front_door.harden(template, "prod", "maeul.gg.go.kr", {
        "api_rate_limit": 200, "api_burst_limit": 400, "waf_requests_per_5_minutes": 2000,
        "api_reserved_concurrency": 100, "log_retention_days": 365})
    resources = template["Resources"]
    [settings] = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (200, 400)
    [rule] = resources["ApiWebAcl"]["Properties"]["Rules"]
    assert rule["Statement"]["RateBasedStatement"]["Limit"] == 2000
    assert resources["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == 100
    assert resources["Offers"]["Properties"]["ReservedConcurrentExecutions"] == 1
    assert resources["OffersLogGroup"]["Properties"]["RetentionInDays"] == 365


def test_scheduled_functions_record_failed_runs_in_the_job_failures_queue() -> None:
    template = _template()
    queue = "arn:aws:sqs:ap-northeast-2:111122223333:maeul-dev-job-failures"
    front_door.harden(template, "dev", "dev.maeul.gg.go.kr", {}, job_failures_arn=queue)
    resources = template["Resources"]
    config = resources["Offers"]["Properties"]["EventInvokeConfig"]
    assert config["DestinationConfig"] == {"OnFailure": {"Type": "SQS", "Destination": queue}}
    assert config["MaximumRetryAttempts"] == 0
    assert "EventInvokeConfig" not in resources["APIHandler"]["Properties"]  # API calls are synchronous
    without = _template()
    front_door.harden(without, "dev", "dev.maeul.gg.go.kr", {})
    assert "DestinationConfig" not in without["Resources"]["Offers"]["Properties"]["EventInvokeConfig"]
