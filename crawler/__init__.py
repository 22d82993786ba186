"""The application: Scrapy project (fetch), processing stage, demo corpus and the talentwatch CLI."""
