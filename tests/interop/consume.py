#!/usr/bin/env python3
"""Read Encore's topics the way another team would: confluent-kafka and fastavro,
with nothing from Encore but the .avsc files in schemas/.

Every Encore value is an Avro single-object encoding: the bytes C3 01, the
CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form
(8 bytes, little-endian), then the binary datum. A reader builds a table from
fingerprint to schema out of every schema version it has (schemas/avro/ and
schemas/history/), finds each record's writer schema in it, and decodes.

    python consume.py --brokers 127.0.0.1:9092 --schemas schemas [--prefix PREFIX] [TOPIC ...]

With --prefix, every topic whose name starts with PREFIX is read (Encore's
tests isolate their runs with a topic prefix); otherwise the topics named.
Prints one JSON object: per topic, how many records were read, decoded,
tombstones, values that are not single-object encoded (poison planted on
purpose, or dead letters of it), unknown fingerprints and decode errors; and
`ok`, true when no Avro record had an unknown fingerprint or failed to decode.
Exits 0 when ok, 1 otherwise.
"""

import argparse
import glob
import io
import json
import os
import sys
import uuid

import fastavro
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from fastavro.schema import fingerprint, to_parsing_canonical_form

MAGIC = b"\xc3\x01"


def schemas_by_fingerprint(root):
    """Every schema version under root, keyed by its 8-byte fingerprint."""
    table = {}
    for path in sorted(glob.glob(os.path.join(root, "**", "*.avsc"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            parsed = fastavro.parse_schema(json.load(f), _write_hint=False)
        form = to_parsing_canonical_form(parsed)
        table[bytes.fromhex(fingerprint(form, "CRC-64-AVRO"))] = (path, parsed)
    return table


def topics_to_read(brokers, prefix, named):
    if named:
        return named
    listed = AdminClient({"bootstrap.servers": brokers}).list_topics(timeout=10).topics
    return sorted(t for t in listed if t.startswith(prefix))


def read_topic(brokers, topic, table):
    counts = {"records": 0, "decoded": 0, "tombstones": 0, "not_avro": 0,
              "unknown_fingerprints": 0, "decode_errors": 0, "schemas": {}}
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": "interop-" + uuid.uuid4().hex,
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    partitions = []
    for p in metadata.partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            partitions.append((p, low, high))
    consumer.assign([TopicPartition(topic, p, low) for p, low, _ in partitions])
    left = {p: high for p, _, high in partitions}
    idle = 0
    while left and idle < 20:
        message = consumer.poll(0.5)
        if message is None:
            # A transactional topic ends in commit markers, never delivered:
            # a partition is done once the position reaches the watermark.
            for tp in consumer.position([TopicPartition(topic, p) for p in list(left)]):
                if tp.offset >= left.get(tp.partition, 0):
                    left.pop(tp.partition, None)
            idle += 1
            continue
        if message.error():
            raise RuntimeError(f"{topic}: {message.error()}")
        idle = 0
        counts["records"] += 1
        if message.offset() + 1 >= left.get(message.partition(), 0):
            left.pop(message.partition(), None)
        value = message.value()
        if value is None:
            counts["tombstones"] += 1
            continue
        if len(value) < 10 or value[:2] != MAGIC:
            counts["not_avro"] += 1
            continue
        writer = table.get(value[2:10])
        if writer is None:
            counts["unknown_fingerprints"] += 1
            continue
        path, schema = writer
        try:
            body = io.BytesIO(value[10:])
            fastavro.schemaless_reader(body, schema, None)
            if body.read():
                raise ValueError("trailing bytes after the datum")
        except Exception:  # noqa: BLE001 - any failure to decode is what we count
            counts["decode_errors"] += 1
            continue
        counts["decoded"] += 1
        name = os.path.relpath(path)
        counts["schemas"][name] = counts["schemas"].get(name, 0) + 1
    consumer.close()
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", required=True, help="Kafka bootstrap servers, host:port")
    parser.add_argument("--schemas", required=True, help="the schemas/ directory (avro/ and history/)")
    parser.add_argument("--prefix", default="", help="read every topic whose name starts with this")
    parser.add_argument("topics", nargs="*", help="topics to read (instead of --prefix)")
    args = parser.parse_args()
    if not args.topics and not args.prefix:
        parser.error("name topics, or give --prefix")
    table = schemas_by_fingerprint(args.schemas)
    report = {"fingerprints": {k.hex(): os.path.relpath(v[0]) for k, v in table.items()}, "topics": {}}
    for topic in topics_to_read(args.brokers, args.prefix, args.topics):
        report["topics"][topic] = read_topic(args.brokers, topic, table)
    report["ok"] = all(t["unknown_fingerprints"] == 0 and t["decode_errors"] == 0
                       for t in report["topics"].values())
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
