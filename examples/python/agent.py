#!/usr/bin/env python3
"""A Python agent's run as OpenTelemetry GenAI spans, sent to leantrace over OTLP/HTTP.

leantrace reads the OpenTelemetry GenAI semantic conventions from any language. This example
uses only Python's standard library, so that it runs anywhere: it builds the spans an
instrumentation such as `opentelemetry-instrumentation-openai-v2` writes (chat and
execute_tool operations, token usage, the latest message format with `parts`) and posts them
as OTLP/JSON. With the OpenTelemetry SDK installed, point its OTLP exporter at the same
endpoint instead (`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`).

    python3 examples/python/agent.py [ENDPOINT]    # default http://127.0.0.1:4318
"""

import json
import os
import sys
import time
import urllib.request


def hex_id(n_bytes):
    return os.urandom(n_bytes).hex()


def attributes(values):
    """OTLP/JSON key-values: strings, whole numbers as int64 text, others as doubles."""
    out = []
    for key, value in values.items():
        if isinstance(value, bool):
            out.append({"key": key, "value": {"boolValue": value}})
        elif isinstance(value, int):
            out.append({"key": key, "value": {"intValue": str(value)}})
        elif isinstance(value, float):
            out.append({"key": key, "value": {"doubleValue": value}})
        else:
            out.append({"key": key, "value": {"stringValue": value}})
    return out


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4318"
    trace_id = hex_id(16)
    root_id = hex_id(8)
    now = time.time_ns()
    spans = []

    def span(name, start, end, attrs, parent=root_id):
        spans.append(
            {
                "traceId": trace_id,
                "spanId": hex_id(8),
                "parentSpanId": parent,
                "name": name,
                "kind": 3,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(end),
                "attributes": attributes(attrs),
            }
        )

    question = {"role": "user", "parts": [{"type": "text", "content": "Where is order 7?"}]}
    call = {
        "role": "assistant",
        "parts": [{"type": "tool_call", "id": "call_1", "name": "lookup_order", "arguments": {"id": 7}}],
    }
    result = {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "call_1", "response": "shipped on Monday"}],
    }
    answer = {"role": "assistant", "parts": [{"type": "text", "content": "It shipped on Monday."}]}

    ms = 1_000_000
    span(
        "chat gpt-4o-mini",
        now,
        now + 300 * ms,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 120,
            "gen_ai.usage.output_tokens": 18,
            "gen_ai.input.messages": json.dumps([question]),
            "gen_ai.output.messages": json.dumps([call]),
        },
    )
    span(
        "execute_tool lookup_order",
        now + 310 * ms,
        now + 320 * ms,
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_order",
            "gen_ai.tool.call.id": "call_1",
            "gen_ai.tool.call.arguments": json.dumps({"id": 7}),
            "gen_ai.tool.call.result": "shipped on Monday",
        },
    )
    span(
        "chat gpt-4o-mini",
        now + 330 * ms,
        now + 600 * ms,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 160,
            "gen_ai.usage.output_tokens": 12,
            "gen_ai.usage.cache_read.input_tokens": 100,
            "gen_ai.input.messages": json.dumps([question, call, result]),
            "gen_ai.output.messages": json.dumps([answer]),
        },
    )
    spans.append(
        {
            "traceId": trace_id,
            "spanId": root_id,
            "name": "invoke_agent support",
            "kind": 1,
            "startTimeUnixNano": str(now - ms),
            "endTimeUnixNano": str(now + 610 * ms),
            "attributes": attributes(
                {
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": "support",
                    "gen_ai.workflow.name": "python-support",
                    "leantrace.outcome": "success",
                }
            ),
        }
    )
    body = json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": attributes({"service.name": "python-agent"})},
                    "scopeSpans": [{"scope": {"name": "examples.python"}, "spans": spans}],
                }
            ]
        }
    ).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/v1/traces", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        print(f"sent {len(spans)} spans of trace {trace_id}: {response.status}")


if __name__ == "__main__":
    main()
