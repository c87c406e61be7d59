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
def _admin_rule(template: dict) -> dict:
    [rule] = [r for r in template["Resources"]["ApiWebAcl"]["Properties"]["Rules"]
              if r["Name"] == "admin-from-operator-networks"]
    return rule


def test_admin_paths_are_blocked_outside_the_stages_admin_networks() -> None:
    template = _template()
    front_door.harden(template, "prod", "maeul.gg.go.kr", {"admin_cidrs": ["203.0.113.0/24", "2001:db8:1::/48"]})
    resources = template["Resources"]
    assert resources["AdminIpSetV4"]["Properties"]["Addresses"] == ["203.0.113.0/24"]
    assert resources["AdminIpSetV6"]["Properties"]["Addresses"] == ["2001:db8:1::/48"]
    assert resources["AdminIpSetV6"]["Properties"]["IPAddressVersion"] == "IPV6"
    rule = _admin_rule(template)
    assert rule["Action"] == {"Block": {}} and rule["Priority"] == 1  # after the rate rule (0)
    paths, outside = rule["Statement"]["AndStatement"]["Statements"]
    matched = {(m["ByteMatchStatement"]["PositionalConstraint"], m["ByteMatchStatement"]["SearchString"])
               for m in paths["OrStatement"]["Statements"]}
    assert matched == {("EXACTLY", "/admin"), ("STARTS_WITH", "/admin/"), ("STARTS_WITH", "/api/admin/")}
    for match in paths["OrStatement"]["Statements"]:  # "/API/%61dmin//x" is the same path to the app's router
        kinds = [t["Type"] for t in sorted(match["ByteMatchStatement"]["TextTransformations"],
                                           key=lambda t: t["Priority"])]
        assert kinds == ["URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"]
        assert match["ByteMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
    sets = outside["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    assert [s["IPSetReferenceStatement"]["Arn"]["Fn::GetAtt"][0] for s in sets] == ["AdminIpSetV4", "AdminIpSetV6"]


def test_one_address_family_needs_one_ip_set_and_no_networks_no_rule() -> None:
    template = _template()
    front_door.harden(template, "staging", "staging.maeul.gg.go.kr", {"admin_cidrs": ["198.51.100.7/32"]})
    outside = _admin_rule(template)["Statement"]["AndStatement"]["Statements"][1]
    assert outside["NotStatement"]["Statement"] == {
        "IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["AdminIpSetV4", "Arn"]}}}
    assert "AdminIpSetV6" not in template["Resources"]
    open_dev = _template()
    front_door.harden(open_dev, "dev", "dev.maeul.gg.go.kr", {"admin_cidrs": []})
    assert [r["Name"] for r in open_dev["Resources"]["ApiWebAcl"]["Properties"]["Rules"]] == ["rate-per-ip"]
    assert not any(k.startswith("AdminIpSet") for k in open_dev["Resources"])
