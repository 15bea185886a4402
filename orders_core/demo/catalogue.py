"""The fixed parts of the demo data set: product catalogue, names, places, people."""

from __future__ import annotations

from decimal import Decimal

from orders_core.rules.equivalents import dried_equivalent

# sku, name, brand, category, form (for the equivalent), net content, unit, price, bin
_PRODUCTS = [
    ("FL-PK-035", "Pink Kush 3.5 g", "Laurentian Growers", "Dried flower", "dried", "3.5", "g", "32.50", "A-01-1"),
    ("FL-PK-070", "Pink Kush 7 g", "Laurentian Growers", "Dried flower", "dried", "7", "g", "59.00", "A-01-2"),
    ("FL-BB-035", "Blue Dream 3.5 g", "Boréal Botanicals", "Dried flower", "dried", "3.5", "g", "30.00", "A-02-1"),
    ("FL-BB-150", "Blue Dream 15 g", "Boréal Botanicals", "Dried flower", "dried", "15", "g", "105.00", "A-02-3"),
    ("FL-GC-100", "Girl Scout Cookies 10 g", "Prairie Leaf", "Dried flower", "dried", "10", "g", "78.00", "A-03-2"),
    ("FL-NL-035", "Northern Lights 3.5 g", "Prairie Leaf", "Dried flower", "dried", "3.5", "g", "29.00", "A-03-1"),
    ("FL-CB-070", "CBD Shark 7 g", "Maritime Medicinals", "Dried flower", "dried", "7", "g", "52.00", "A-04-1"),
    ("FL-SD-150", "Sour Diesel 15 g", "Coastal Cannabis Co.", "Dried flower", "dried", "15", "g", "99.00", "A-05-3"),
    ("FL-GG-035", "Gorilla Glue 3.5 g", "Coastal Cannabis Co.", "Dried flower", "dried", "3.5", "g", "34.00", "A-05-1"),
    ("FL-LA-070", "Lemon Haze 7 g", "Érablière Cannabis", "Dried flower", "dried", "7", "g", "55.00", "A-06-2"),
    ("OL-THC-030", "THC 20 Oil 30 mL", "Maritime Medicinals", "Oil", "non-solid", "30", "mL", "45.00", "B-01-1"),
    ("OL-CBD-030", "CBD 25 Oil 30 mL", "Maritime Medicinals", "Oil", "non-solid", "30", "mL", "49.00", "B-01-2"),
    ("OL-BAL-040", "Balanced 1:1 Oil 40 mL", "Boréal Botanicals", "Oil", "non-solid", "40", "mL", "58.00", "B-02-1"),
    ("OL-CBD-060", "CBD 50 Oil 60 mL", "Prairie Leaf", "Oil", "non-solid", "60", "mL", "89.00", "B-02-2"),
    ("CP-CBD-030", "CBD Softgels 10 mg x 30", "Laurentian Growers", "Capsules", "non-solid", "15", "g", "42.00", "C-01-1"),
    ("CP-THC-030", "THC Softgels 5 mg x 30", "Laurentian Growers", "Capsules", "non-solid", "15", "g", "39.00", "C-01-2"),
    ("CP-BAL-060", "Balanced Softgels 60 ct", "Boréal Botanicals", "Capsules", "non-solid", "30", "g", "72.00", "C-02-1"),
    ("PR-PK-3x05", "Pink Kush Pre-rolls 3 x 0.5 g", "Laurentian Growers", "Pre-rolls", "dried", "1.5", "g", "19.50", "D-01-1"),
    ("PR-BD-5x05", "Blue Dream Pre-rolls 5 x 0.5 g", "Boréal Botanicals", "Pre-rolls", "dried", "2.5", "g", "29.00", "D-01-2"),
    ("PR-SD-1x10", "Sour Diesel Pre-roll 1 g", "Coastal Cannabis Co.", "Pre-rolls", "dried", "1", "g", "11.00", "D-02-1"),
    ("AC-VAP-001", "Dry-herb Vaporizer", "Vapeur Nord", "Accessory", "", "1", "units", "189.00", "E-01-1"),
    ("AC-GRN-001", "Herb Grinder", "Vapeur Nord", "Accessory", "", "1", "units", "24.00", "E-01-2"),
    ("AC-SYR-001", "Oral Dosing Syringe 1 mL", "Maritime Medicinals", "Accessory", "", "1", "units", "3.50", "E-02-1"),
    ("AC-JAR-001", "Humidity Storage Jar", "Vapeur Nord", "Accessory", "", "1", "units", "16.00", "E-02-2"),
]


def products() -> list[tuple]:
    """Catalogue rows in the column order of the ``products`` table."""
    rows = []
    for i, (sku, name, brand, cat, form, net, unit, price, bin_) in enumerate(_PRODUCTS):
        cannabis = cat != "Accessory"
        equiv = dried_equivalent(form, net) if cannabis else Decimal("0")
        lot = f"L{2026 - i % 2}-{(i * 37) % 900 + 100:03d}"
        rows.append(
            (sku, name, brand, cat, cannabis, Decimal(net), unit, equiv, Decimal(price), lot, bin_, True)
        )
    return rows


FIRST_NAMES = [
    "Élodie", "François", "Chloé", "Zoë", "Mélanie", "Jérôme", "Hélène", "André", "Geneviève",
    "Benoît", "Noémie", "Stéphane", "Amélie", "René", "Océane", "Liam", "Olivia", "Noah", "Emma",
    "William", "Charlotte", "Jackson", "Ava", "Lucas", "Sophia", "Ethan", "Amelia", "Aiden", "Mia",
    "Siobhán", "Aarav", "Priya", "Mei", "Wei", "Nasser", "Fatima", "Kwame", "Léa", "Maëlle",
    "Gaétan", "Réjean", "Josée", "Sébastien", "Ingrid", "Dmitri", "Ana", "José", "Thérèse",
]
LAST_NAMES = [
    "Côté", "Tremblay", "Gagnon", "Roy", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
    "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette",
    "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier",
    "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault", "St-Pierre", "Nadeau", "Martin",
    "Landry", "Smith", "Brown", "Wilson", "MacDonald", "Taylor", "Campbell", "Anderson", "Li",
    "Wang", "Singh", "Patel", "Nguyen", "Kim", "O'Brien", "Müller", "Ibáñez", "Nováková",
]
# city, province, first three characters of the postal code
CITIES = [
    ("Montréal", "QC", "H2X"), ("Québec", "QC", "G1R"), ("Trois-Rivières", "QC", "G9A"),
    ("Sherbrooke", "QC", "J1H"), ("Gatineau", "QC", "J8X"), ("Toronto", "ON", "M5V"),
    ("Ottawa", "ON", "K1P"), ("Hamilton", "ON", "L8P"), ("Sudbury", "ON", "P3E"),
    ("Vancouver", "BC", "V6B"), ("Victoria", "BC", "V8W"), ("Calgary", "AB", "T2P"),
    ("Edmonton", "AB", "T5J"), ("Winnipeg", "MB", "R3C"), ("Regina", "SK", "S4P"),
    ("Saskatoon", "SK", "S7K"), ("Halifax", "NS", "B3H"), ("Moncton", "NB", "E1C"),
    ("St. John's", "NL", "A1C"), ("Charlottetown", "PE", "C1A"), ("Whitehorse", "YT", "Y1A"),
]
STREETS = [
    "rue Saint-Denis", "boulevard René-Lévesque Ouest", "chemin de la Côte-des-Neiges",
    "avenue du Mont-Royal Est", "rue Sainte-Catherine", "Main Street", "Queen Street West",
    "Yonge Street", "King Street East", "Jasper Avenue", "Portage Avenue", "Robson Street",
    "Barrington Street", "Water Street", "17th Avenue SW", "rue de l'Église", "Maple Crescent",
]
CSRS = ["Isabelle Roy", "Marc-André Côté", "Priya Nair", "Kevin O'Connor", "Sophie Lévesque"]
PRESCRIBERS = [
    "Dr. Anne Bérubé", "Dr. Michael Chen", "Dr. Nadia Haddad", "Dr. Pierre-Luc Gendron",
    "Dr. Sarah MacLeod", "Dr. Rajiv Sharma",
]
INSURERS = ["Veterans Affairs Canada", "Sun Life", "Manulife", "Canada Life", "Blue Cross"]
