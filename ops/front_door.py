"""What ``chalice package`` leaves out of the app stack, added to its SAM template per stage.

Settings per stage come from ``infra/stages.json`` (``ops/stages.py``).

- Front door: a regional custom domain (``MAEUL_PUBLIC_BASE_URL``'s host) with an ACM certificate
  (DNS-validated; automatically when the stage has a Route 53 ``hosted_zone_id``), mapped at the
  root, so the pages' root-absolute links, the ``/auth/`` cookie path and the OAuth callbacks
  work as they do locally. A WAF web ACL with a rate-based rule per client IP guards the stage,
  and the stage throttles requests. With ``admin_cidrs`` set, a second rule blocks the
  operations console (``/admin``) and the admin API (``/api/admin/``) from every other address
  (IP sets per address family; the path URL-decoded, normalised and lower-cased before matching).
- Operations: access logs (no IP, no path parameters' values, no query strings), X-Ray tracing,
  one log group per function with the stage's retention, the API function's reserved concurrency.
- Jobs: no Lambda retries (``MaximumRetryAttempts`` 0; the next scheduled run is the retry and
  the failure alarms once, ``chalicelib/jobs``) and at most one run at a time (reserved
  concurrency 1). A failed run is recorded by Lambda's on-failure destination in the infra
  stack's job failures queue (event and error), which alarms the operators.
"""

from __future__ import annotations

import json
from typing import Any

from ops.stages import parse_admin_networks

ADMIN_PATHS = (("EXACTLY", "/admin"), ("STARTS_WITH", "/admin/"), ("STARTS_WITH", "/api/admin/"))
_NORMALISED = [{"Priority": 0, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "NORMALIZE_PATH"},
               {"Priority": 2, "Type": "LOWERCASE"}]

# Access log line: request id, time, method, route template, status, sizes and latencies.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "time": "$context.requestTimeEpoch",
    "method": "$context.httpMethod", "resource": "$context.resourcePath", "status": "$context.status",
    "bytes": "$context.responseLength", "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency", "waf": "$context.waf.status",
}, separators=(",", ":"))


def harden(template: dict[str, Any], stage: str, domain: str, config: dict[str, Any],
           job_failures_arn: str = "") -> None:
    """``job_failures_arn``: the infra stack's queue where the scheduled jobs' failed runs are
    recorded (their on-failure destination; encrypted with the stage's key, alarmed on)."""
    resources = template["Resources"]
    retention = int(config.get("log_retention_days", 30))
    for logical, resource in list(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        log_group = f"{logical}LogGroup"
        resources[log_group] = {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": f"/aws/lambda/maeul-{stage}-{logical}", "RetentionInDays": retention}}
        props["LoggingConfig"] = {"LogGroup": {"Ref": log_group}, "LogFormat": "Text"}
        props["Tracing"] = "Active"
        scheduled = any(e.get("Type") == "Schedule" for e in props.get("Events", {}).values())
        if scheduled:
            props["ReservedConcurrentExecutions"] = 1
            props["EventInvokeConfig"] = {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300}
            if job_failures_arn:
                props["EventInvokeConfig"]["DestinationConfig"] = {
                    "OnFailure": {"Type": "SQS", "Destination": job_failures_arn}}
        elif logical == "APIHandler":
            props["ReservedConcurrentExecutions"] = int(config.get("api_reserved_concurrency", 20))
    if "RestAPI" not in resources:
        return
    api = resources["RestAPI"]["Properties"]
    api["EndpointConfiguration"] = "REGIONAL"
    api["TracingEnabled"] = True
    api["MethodSettings"] = [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True,
                              "ThrottlingRateLimit": int(config.get("api_rate_limit", 50)),
                              "ThrottlingBurstLimit": int(config.get("api_burst_limit", 100))}]
    resources["ApiAccessLogGroup"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
        "LogGroupName": f"/aws/apigateway/maeul-{stage}-access", "RetentionInDays": retention}}
    api["AccessLogSetting"] = {"DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                               "Format": ACCESS_LOG_FORMAT}
    tags = [{"Key": "app", "Value": "maeul"}, {"Key": "stage", "Value": stage}]
    certificate: dict[str, Any] = {"DomainName": domain, "ValidationMethod": "DNS", "Tags": tags}
    zone = config.get("hosted_zone_id") or ""
    if zone:
        certificate["DomainValidationOptions"] = [{"DomainName": domain, "HostedZoneId": zone}]
    resources["ApiCertificate"] = {"Type": "AWS::CertificateManager::Certificate", "Properties": certificate}
    resources["ApiDomain"] = {"Type": "AWS::ApiGateway::DomainName", "Properties": {
        "DomainName": domain, "RegionalCertificateArn": {"Ref": "ApiCertificate"},
        "EndpointConfiguration": {"Types": ["REGIONAL"]}, "SecurityPolicy": "TLS_1_2"}}
    resources["ApiRootMapping"] = {"Type": "AWS::ApiGateway::BasePathMapping", "Properties": {  # at the root
        "DomainName": {"Ref": "ApiDomain"}, "RestApiId": {"Ref": "RestAPI"},
        "Stage": {"Ref": "RestAPI.Stage"}}}
    if zone:
        resources["ApiDnsRecord"] = {"Type": "AWS::Route53::RecordSet", "Properties": {
            "HostedZoneId": zone, "Name": domain, "Type": "A", "AliasTarget": {
                "DNSName": {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]},
                "HostedZoneId": {"Fn::GetAtt": ["ApiDomain", "RegionalHostedZoneId"]}}}}
    resources["ApiWebAcl"] = {"Type": "AWS::WAFv2::WebACL", "Properties": {
        "Name": f"maeul-{stage}-api", "Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
        "VisibilityConfig": _visibility(f"maeul-{stage}-api"),
        "Rules": [{
            "Name": "rate-per-ip", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {
                "Limit": int(config.get("waf_requests_per_5_minutes", 1000)), "AggregateKeyType": "IP"}},
            "VisibilityConfig": _visibility(f"maeul-{stage}-rate-per-ip")}]}}
    _restrict_admin(resources, stage, config)
    resources["ApiWebAclAssociation"] = {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
        "WebACLArn": {"Fn::GetAtt": ["ApiWebAcl", "Arn"]},
        "ResourceArn": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}"
                                   "/stages/${RestAPI.Stage}"}}}
    template.setdefault("Outputs", {})["PublicURL"] = {"Value": f"https://{domain}/"}
    template["Outputs"]["DomainTarget"] = {
        "Description": "Where the stage's DNS name points (a CNAME or alias) when Route 53 is not used",
        "Value": {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]}}


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _restrict_admin(resources: dict[str, Any], stage: str, config: dict[str, Any]) -> None:
    """Block the admin paths from outside ``admin_cidrs`` (nothing when it is empty)."""
    networks = parse_admin_networks(config.get("admin_cidrs"))
    if not networks:
        return
    sets = []
    for version, logical in ((4, "AdminIpSetV4"), (6, "AdminIpSetV6")):
        addresses = sorted(str(n) for n in networks if n.version == version)
        if addresses:
            resources[logical] = {"Type": "AWS::WAFv2::IPSet", "Properties": {
                "Name": f"maeul-{stage}-admin-ipv{version}", "Scope": "REGIONAL",
                "IPAddressVersion": f"IPV{version}", "Addresses": addresses,
                "Description": "Networks the operations console and admin API may be reached from"}}
            sets.append({"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": [logical, "Arn"]}}})
    allowed = sets[0] if len(sets) == 1 else {"OrStatement": {"Statements": sets}}
    paths = [{"ByteMatchStatement": {"FieldToMatch": {"UriPath": {}}, "PositionalConstraint": position,
                                     "SearchString": path, "TextTransformations": _NORMALISED}}
             for position, path in ADMIN_PATHS]
    resources["ApiWebAcl"]["Properties"]["Rules"].append({
        "Name": "admin-from-operator-networks", "Priority": 1, "Action": {"Block": {}},
        "Statement": {"AndStatement": {"Statements": [
            {"OrStatement": {"Statements": paths}},
            {"NotStatement": {"Statement": allowed}}]}},
        "VisibilityConfig": _visibility(f"maeul-{stage}-admin-networks")})
