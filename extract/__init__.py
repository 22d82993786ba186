"""From HTML or text to an article record: text, language, entities, figures, events, relevance. No I/O."""

EXTRACTOR_VERSION = "0.1.0"
