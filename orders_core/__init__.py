"""The Orders module's domain: schema, queries, rules, PDFs and command line."""
