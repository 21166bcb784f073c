"""The dashboards' pages: read-only, for inspectors (every agency) and an agency's
supervisors and CCEOs (their own), one module a page beside the tables it builds (the
public statistics too). Each page's tables download as CSV or XLSX (``?export=csv&table=
<key>`` beside the page's own filters), saying first which filters they hold and when their
figures were counted. Every page says when its figures were counted, and says so loudly
when the tabs of the same selection were counted at other moments."""
