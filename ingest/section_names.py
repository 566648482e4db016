"""Field knowledge about the parts of a research article, as data.

Names are compared by :func:`name_key` (case, spacing, punctuation and numbering dropped), so
"2. MATERIALS AND METHODS" is "materialsandmethods".
"""

from __future__ import annotations

import re
import unicodedata

_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5})\.?\s+(?=\w)")


def name_key(text: str) -> str:
    """A section name without numbering, case, accents, spacing and punctuation."""
    text = unicodedata.normalize("NFKD", _NUMBERING_RE.sub("", text))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _keys(*names: str) -> frozenset[str]:
    return frozenset(name_key(n) for n in names)


# The top-level sections of research articles and reviews (front, body and back matter).
TOP_LEVEL = _keys(
    "Abstract", "Summary", "Significance", "Significance statement", "Importance", "Highlights", "In brief",
    "Graphical abstract", "Introduction", "Background", "Main", "Main text", "Methods", "Materials and methods",
    "Material and methods", "Methods and materials", "Patients and methods", "Experimental procedures", "Experimental",
    "Experimental section", "Results", "Results and discussion", "Discussion", "Conclusion", "Conclusions",
    "Concluding remarks", "Conclusions and perspectives", "Summary and conclusions", "Perspectives", "Outlook",
    "Limitations", "Acknowledgements", "Acknowledgments", "Acknowledgement", "Acknowledgment", "Funding",
    "Author contributions", "Authors' contributions", "Author contribution", "Author contributions statement",
    "Contributions", "Competing interests", "Competing interests statement", "Conflict of interest",
    "Conflicts of interest", "Conflict of interest statement", "Conflict of interests", "Declaration of interest",
    "Declaration of competing interest", "Declarations", "Disclosure", "Disclosures", "Author ORCIDs",
    "Data availability", "Data availability statement", "Code availability", "Availability of data and materials",
    "Ethics statement", "Ethics approval", "Supplementary material", "Supplementary materials",
    "Supplementary information", "Supplementary data", "Supporting information", "Additional information",
    "Additional file", "Additional files", "Abbreviations", "References", "STAR Methods", "Online methods", "References and notes",
    "Notes and references", "Bibliography", "Literature cited", "Appendix", "Author information", "Author details",
    "Publisher's note", "Figures", "Figure legends", "Figure captions", "Tables", "Supplementary figures",
    "Supplementary tables", "Supplemental figures", "Supplemental tables", "Supplemental files",
    "Supplementary files", "Supplemental material", "Supplemental information",
)

# The sections of an article's body: the style that sets them is the style of its top-level headings.
CORE = _keys(
    "Introduction", "Background", "Main", "Methods", "Materials and methods", "Material and methods",
    "Methods and materials", "Patients and methods", "Experimental procedures", "Experimental section", "Results",
    "Results and discussion", "Discussion", "Conclusion", "Conclusions", "STAR Methods", "Online methods",
)

# Sections whose subsections may be set in the same style as their own heading.
CONTAINERS = _keys(
    "Results", "Results and discussion", "Methods", "Materials and methods", "Material and methods",
    "Methods and materials", "Patients and methods", "Experimental procedures", "Experimental section",
    "STAR Methods", "Discussion", "Online methods", "Main", "Main text",
)

# Sections printed before the body: the abstract and its companions.
BEFORE_BODY = _keys(
    "Abstract", "Summary", "Synopsis", "Significance", "Significance statement", "Importance", "Highlights",
    "In brief", "Graphical abstract", "Summary statement", "Key points",
)

# Labels of the front matter, printed like headings but naming a field of the article's record
# (and of repositories' cover pages), not a section of its text.
FRONT_LABELS = _keys(
    "Affiliations", "Author affiliations", "Affiliation", "Authors", "Author", "Title", "Journal", "Permalink",
    "ISSN", "DOI", "Publication date", "Copyright information", "Peer reviewed", "Keywords", "Key words",
    "Running title", "Short title", "Correspondence", "Corresponding author", "Article history", "Article info",
    "Article information", "Open access", "Research article", "Article", "Review", "Review article",
    "Original article", "Original research", "Research", "Report", "Reports", "Letter", "Editorial",
    "Brief communication", "Short communication", "Investigation", "Highlighted article", "Check for updates",
    "Edited by", "Monitoring editor", "Citation", "Received", "Accepted", "Published", "Subjects",
    "Academic editor", "Corresponding authors", "Copyright", "To cite this article", "To link to this article",
)

# Academic degrees and honorifics written after names in a byline ("Paulino Ramirez, PhD").
DEGREES = _keys(
    "PhD", "MD", "MSc", "BSc", "MS", "BS", "MA", "BA", "MPH", "DPhil", "DSc", "MBBS", "MBChB", "RN", "PharmD",
    "DVM", "DDS", "FRCP", "FRCPC", "FACP", "MRCP", "Jr", "Sr", "II", "III", "Prof", "Dr",
)

# Words of affiliations (lines under a byline that name institutions, not people).
AFFILIATION_WORDS = _keys(
    "Department", "Dept", "University", "Universidad", "Université", "Universität", "Institute", "Institut",
    "Instituto", "Hospital", "School", "College", "Laboratory", "Laboratories", "Lab", "Center", "Centre",
    "Faculty", "Division", "Unit", "Program", "Programme", "Foundation", "Academy", "Clinic", "Clinical",
    "Research", "Sciences", "Science", "Medicine", "Medical", "Biology", "Chemistry", "Group", "Inc", "Ltd",
    "GmbH", "Company", "Corporation", "Ministry", "Council", "Agency", "Street", "Road", "Avenue", "Campus",
    "Correspondence", "Email", "E-mail", "USA", "UK",
)
