"""Anonymize: every face not kept becomes a verified face of nobody, or is blurred/pixelated/filled.

`pipeline.Anonymizer` reads top to bottom; `donors`/`bank` supply generated faces, `verify` checks each swap,
`obscure` holds the non-generative modes and the fallback, `composite` is the only place pixels change.
"""
