"""A raw Streamlit WebSocket client for the tests: what an attacker with a copied cookie can ask the server
without a browser (the protocol as ``bench/bench_load.py`` describes it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def page_texts(url: str, page_name: str = "", query: str = "", user_cookie: str | None = None,
               timeout: float = 60) -> list[str]:
    """Run one page over a new WebSocket session (``page_name`` as in the URL, "" for the Orders page), with
    ``user_cookie`` as the ``_streamlit_user`` cookie; returns every text the run drew (markdown, headings,
    alerts, captions), in order."""
    with ThreadPoolExecutor(1) as thread:  # off the test's thread, where Playwright's event loop runs
        return thread.submit(_run, url, page_name, query, user_cookie, timeout).result()


def _run(url: str, page_name: str, query: str, user_cookie: str | None, timeout: float) -> list[str]:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
    from websockets.sync.client import connect

    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"only servers on 127.0.0.1, not {url}")
    token = generate_xsrf_token_string()
    cookies = f"_streamlit_xsrf={token}" + (f"; _streamlit_user={user_cookie}" if user_cookie else "")
    with connect("ws://" + url.removeprefix("http://") + "/_stcore/stream", origin=url,
                 subprotocols=["streamlit", token], additional_headers={"Cookie": cookies}, proxy=None,
                 max_size=None, open_timeout=timeout, close_timeout=5) as ws:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = query, page_name
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale, info.url = "America/Toronto", 300, "en-CA", url + "/"
        ws.send(msg.SerializeToString())
        texts: list[str] = []
        while True:
            fm = ForwardMsg.FromString(ws.recv(timeout))
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                texts = []
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                element = fm.delta.new_element
                what = element.WhichOneof("type")
                body = getattr(getattr(element, what), "body", None) if what else None
                if isinstance(body, str) and body:
                    texts.append(body)
                elif what in ("arrow_data_frame", "arrow_table", "plotly_chart", "html"):
                    texts.append(f"<{what}>")
            elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return texts
