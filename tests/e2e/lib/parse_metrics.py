"""Parses a Prometheus text-format scrape (stdin) with the Prometheus project's own Python parser
(prometheus_client, Debian's python3-prometheus-client) and prints its samples as JSON lines:
{"family", "type", "name", "labels", "value"}. A scrape the parser refuses exits non-zero."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"family": family.name, "type": family.type, "name": sample.name,
                          "labels": sample.labels, "value": sample.value}))
