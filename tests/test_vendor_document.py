"""docs/compatibility.md rendering (the vendor matrix itself runs only under ``tox -e vendors``)."""

from __future__ import annotations

from tests.vendors.compatibility import VendorResult, check_rows, render

RESULTS = {
    "counts": {"pass": 2, "fail": 1, "non-strict": 1, "not-exercised": 0},
    "exit_status": 1,
    "checks": {"error.envelope": {"level": "SHOULD", "rule": "r"}},
    "cases": [
        {"id": "a", "verdict": "pass", "findings": []},
        {
            "id": "b",
            "verdict": "fail",
            "findings": [
                {"check": "params.rejected", "rule": "temperature 0–2", "got": "HTTP 200 | x"},
                {"check": "error.envelope", "rule": "OpenAI", "got": "no param", "strict": False},
            ],
        },
        {
            "id": "c",
            "verdict": "non-strict",
            "findings": [{"check": "error.envelope", "rule": "OpenAI", "got": "no param"}],
        },
    ],
}


def test_rows_put_failures_first_and_count_cases() -> None:
    rows = check_rows(RESULTS)
    assert [(r.check, r.verdict, len(r.cases), r.level) for r in rows] == [
        ("params.rejected", "fail", 1, ""),
        ("error.envelope", "non-strict", 2, "SHOULD"),
    ]


def test_document_is_deterministic_markdown() -> None:
    vendors = [VendorResult("V", "v 1", RESULTS), VendorResult("W", "w 2", None, "no binary")]
    text = render(vendors, "0.1.0")
    assert text == render(vendors, "0.1.0")
    assert "| `params.rejected` | fail | - | 1 | HTTP 200 \\| x | temperature 0–2 |" in text
    assert "## W\n\nVersion: w 2\n\nNot run: no binary" in text


def test_cells_mask_what_varies_between_runs() -> None:
    results = {
        "cases": [
            {
                "id": "d",
                "verdict": "fail",
                "findings": [
                    {
                        "check": "stream.consistent",
                        "got": 'created: 1795680897, 1795680898 "chatcmpl-8d05bff5-7a"',
                    }
                ],
            }
        ]
    }
    text = render([VendorResult("V", "v", results)], "0")
    assert 'created: <time>, <time> "chatcmpl-<id>"' in text
