"""The monthly regulator reports: section 297 of the Cannabis Regulations, the sales part of the CTLS
report, and the health care practitioners' figures; their files, their submissions, and who read them.

What was taken from the sources, field by field (read for this module; where a source's text could not be
read in full, that is said, and the figure the product cannot make is named on the page and in the files):

**Cannabis Regulations (SOR/2018-144), s. 297** ("Monthly reports"; read in full in the Justice Laws XML
consolidation, ``justicecanada/laws-lois-xml`` eng/regulations/SOR-2018-144.xml, current to 2026-06-14; the
section is unchanged since it came into force on 2018-10-17): a holder of a licence for sale must, "on or before
the 15th day of each month", give the Minister a report with
- (a) "the number of clients who had a valid registration on the last day of the previous month"
  -> ``valid_registrations``: clients whose registration was in force at the end of the month's last day,
  decided from the history, never from today's status: registered on or before that day; their status that
  day Approved (the last approve / expire / reinstate event up to the end of the day; with none before, the
  status the first later event started from; with none at all, the status they still have); and a medical
  document valid that day (s. 284(a): the registration expires with the document's period of validity),
  active, not transferred or returned on or before that day.
- (b) "the number of clients who, in the previous month, had their medical document transferred to another
  holder of a licence for sale or returned to them at their request or at the request of a named responsible
  adult" -> ``documents_transferred_or_returned`` (and its two parts): distinct clients with a
  ``medical_document_releases`` row dated in the month, recorded on the Client Profile
  (``clients.document_release``; transfer s. 287, return s. 286(6); the date of registration written on the
  document first, s. 288).
- (c) "in respect of the medical documents that formed the basis for registrations that were valid on the last
  day of the previous month", (i) "the average", (ii) "the median" and (iii) "the highest daily quantity of
  dried cannabis, expressed in grams" -> ``average_daily_grams``, ``median_daily_grams``,
  ``highest_daily_grams``: over the one document behind each registration counted in (a), to 3 decimals (half
  up; the median of an even number is the mean of the two middle ones); empty when no registration was valid.
- (d) "the number of applicants whom the holder refused to register during the previous month", with the
  number for each of three reasons (incomplete application; false or misleading information or falsified
  documents; medical document or registration certificate not valid), and (e) "the number of purchase orders
  referred to in subsection 289(1) that the holder refused to fill during the previous month", with the number
  for each of four reasons (incomplete; registration expired or revoked; more than the equivalent of 150 g of
  dried cannabis; product unavailable) -> not produced: the orders module keeps no refused registration
  application and no refused purchase order with its reason (a cancelled order keeps free text only).
  ``S297_NOT_MADE`` says so on the page, in the CSV, the PDF and ``--json``, so nobody files the report
  believing it complete.
- (f) "the given name, surname, profession and business address of each health care practitioner who provided
  a medical document referred to in paragraph (c)", with the province that authorized them to practise when
  they signed it and "the number assigned by the province to that authorization", and (g) "the number of
  medical documents referred to in paragraph (c) that were signed by each health care practitioner" -> the
  practitioners report: per practitioner name and licence number, the documents behind valid registrations
  (``clients``, one document per registration). Profession, business address and province of authorization
  are not held here; ``PRACTITIONERS_NOTE`` says so.
- s. 297(2): in this section a health care practitioner "is, or was, a medical practitioner or nurse
  practitioner".

**Cannabis Tracking System Order (SOR/2019-202)** (read in full in the same repository,
eng/regulations/SOR-2019-202.xml, current to 2025-07-24): s. 2(1)(f)(ii) asks a holder of a licence for sale
for medical purposes that possesses cannabis for "the number and book value of cannabis products that ceased
to form part of the inventory during the previous month by virtue of ... the sale of cannabis products as a
result of a purchase order referred to in section 289"; s. 2(4) wants them "for each province in which the
persons to which the cannabis products are sold ... are located and for each class specified in column 1 of
Schedule 1", the book value "expressed in Canadian dollars, net of sales tax". s. 1(1): "book value means the
value of an asset according to its balance sheet account balance". Schedule 1 has eleven classes (seeds,
plants, fresh, dried, edible solid, edible non-solid, extract for inhalation, extract for ingestion, extract
"intended for nasal, rectal or vaginal use", topical, "any other class"), seeds and plants in numbers, the rest
in kilograms. So: ``units`` is the number the Order asks for; ``value`` here is what clients were charged
(without taxes), which is not the book value the Order names; the licence holder's accounting gives that.
The inventory paragraphs (a) to (e), (j), (k) and s. 3(1)(a) (licence number) are not produced.

**CTLS reporting guide for cultivation, processing and sale for medical purposes licence holders** (Health
Canada; the "Submit your reports" and "Prepare your sales data" pages, the frequent issues page), with the
seller's current suite's help article "CTLS Report Data Breakdown" (its cell names, units and formats). Not
re-read for this revision: the stored copies found gave only the pages' openings and the "Prepare your sales
data" page was not found, so the field names below are as first read, unverified against the current guide:
- Reporting period year (four digits) and Reporting period month (two digits) -> the first two CSV columns.
- Product categories of packaged cannabis: Seeds, Vegetative plants, Fresh, Dried, Edibles - solids,
  Edibles - non-solids, Extracts - inhaled, Extracts - ingested, Extracts - other, Topicals ->
  ``rules.ctls_categories.CTLS_CATEGORIES``, the one table that maps our regulatory classes onto them. Accessories and
  every product that is not cannabis are not cannabis sales: left out.
- Packaged units: the number of packages (immediate containers sold to a client) -> ``units``: the units of
  the order lines.
- Quantity: weights in kilograms, seeds and plants in numbers, "to a maximum of three decimal places" (the
  current suite writes four and its users round by hand) -> ``quantity``: net content x units, kilograms
  rounded half up to 3 decimals once per figure (never per line); seeds and plants as counts. A product
  measured in mL counts 1 mL as 1 g (the catalogue's decision for Schedule 3).
- Value: dollars and cents of the sales -> ``value``: what the client and their insurers were charged for
  the cannabis lines (units x unit price, less the line's discount); shipping, taxes and the order-level
  discount (not tied to a product) are not in it.
- Province or territory: the sales to clients for medical purposes are reported by province or territory
  -> ``province``: of the shipping address; an order ships only to the address on the client's
  registration document (s. 291), which is the client's address (orders keep no copy of it, so a client's
  later move changes the province of their past orders: "changed since submitted" then shows it).
- Returns from clients are additions to inventory (returned), not negative sales -> ``returned_units`` and
  ``returned_quantity`` in the month the return was received (``order_returns.received_on``).
- A sale counts in the month its order shipped (``orders.shipped_on``, a date: an order shipped at 23:59 on
  the last day is in that month); archived orders count (archiving hides, it does not undo a sale).
- Not produced: the inventory sections (opening and closing inventory, production, destruction, losses)
  and the licence's ID: the orders module does not hold them.

**Health care practitioners** (s. 297(1)(f) and (g), above; s. 273(1): the medical document names the
practitioner, their licence number and province of practice, and the daily quantity): the report lists, per
practitioner on file (name and licence number), the medical documents behind registrations valid on the
month's last day (one per client), and the total and average daily quantity those documents authorize (grams,
3 decimals).

The modules: ``months`` (which month may be reported), ``figures`` (every figure, aggregated in SQL, one
query per report, written once for both engines; on PostgreSQL the CTLS sales are summed from the ship days
it keeps, ``storage.sales_days``: 4.6 s -> 7 ms for the demo's busiest month at 10,000,000 orders), ``files`` (CSV, JSON,
PDF), ``submissions`` (mark as submitted, compare), ``access`` (the person-checked entry points, recorded in
the access log).
"""

from orders_core.reports.monthly.access import (
    REPORTS,
    MonthlyReports,
    behind_csv_for,
    export_for,
    mark_submitted,
    reports_for,
    submitted_state_for,
)
from orders_core.reports.monthly.months import InvalidMonth, Month, last_complete_month, parse_month

__all__ = [
    "REPORTS", "InvalidMonth", "Month", "MonthlyReports", "behind_csv_for", "export_for", "last_complete_month",
    "mark_submitted", "parse_month", "reports_for", "submitted_state_for",
]
