"""Meeting series, agendas from live data, minutes and PDFs (see the meetings issue)."""
