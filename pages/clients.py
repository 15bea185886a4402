import streamlit as st

st.title("Clients")
st.info("The client index will be here: find a client, open their profile and create a new order from its Orders tab.")
