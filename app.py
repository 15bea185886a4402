"""The Orders module: navigation between its pages."""

import streamlit as st

from ui.recurring_job import start_daily_job

st.set_page_config(page_title="Orders", page_icon=":material/local_shipping:", layout="wide")

PAGES = {
    "Orders": [
        st.Page("views/orders.py", title="Orders", icon=":material/receipt_long:", default=True),
        st.Page("views/recurring.py", title="Recurring Orders", icon=":material/event_repeat:",
                url_path="recurring"),
        st.Page("views/clients.py", title="Clients", icon=":material/groups:", url_path="clients"),
        st.Page("views/metrics.py", title="Metrics", icon=":material/monitoring:", url_path="metrics"),
        st.Page("views/order_profile.py", title="Order Profile", url_path="order", visibility="hidden"),
        st.Page("views/client_profile.py", title="Client Profile", url_path="client", visibility="hidden"),
    ]
}

with st.sidebar:
    st.text_input("Signed in as", key="acting_user", value="Isabelle Roy",
                  help="Every change you make is recorded under this name.")

start_daily_job()  # once per server process; ORDERS_RECURRING_JOB=0 turns it off

st.navigation(PAGES).run()
