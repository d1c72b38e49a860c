"""Report writers shared by the conformance and load suites: results.json, HTML, terminal."""
