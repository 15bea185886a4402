"""Keep the keyboard in a scan field: after every run the page puts the cursor back in it.

A USB barcode scanner types what it reads and Enter into whatever has the focus, so the packing station must
never leave the focus elsewhere. ``keep_focus(key)`` adds a tiny script (``st.html`` with JavaScript allowed)
that focuses the text input of widget ``key`` once the page has drawn (trying every 100 ms for up to
3 s, while the page settles). The script's text never changes, so the
content-security policy allows exactly it by its SHA-256 (``SCRIPT_HASHES``, read by ``ui.http_guard``); the
element's ``data-run`` attribute changes every run so that Streamlit runs it again.
"""

from __future__ import annotations

import base64
import hashlib
import itertools

import streamlit as st

SCRIPT = ("(function(){var s=document.currentScript;var k=s?s.getAttribute('data-key'):'scan';var n=0;"
          "var t=setInterval(function(){n++;var e=document.querySelector('.st-key-'+k+' input');"
          "if(e&&document.activeElement!==e){e.focus();}"
          "if((e&&document.activeElement===e)||n>30){clearInterval(t);}},100);})();")
_runs = itertools.count()


def script_hash(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode()}'"


SCRIPT_HASHES = (script_hash(SCRIPT),)


def keep_focus(key: str) -> None:
    """Focus widget ``key``'s text input after this run (``key`` is ours: letters, digits and '_')."""
    st.html(f'<script data-key="{key}" data-run="{next(_runs)}">{SCRIPT}</script>', unsafe_allow_javascript=True)
