"""From HTML or text to an article record: text, language, entities, figures, events, relevance. No I/O."""

EXTRACTOR_VERSION = "0.5.0"  # bump when output changes: `process` redoes older pages
# The kinds of figure the rules produce (`figures.kind`); event types come from config/languages/.
FIGURE_KINDS = ("headcount", "count", "salary", "budget", "duration", "percent", "date")
