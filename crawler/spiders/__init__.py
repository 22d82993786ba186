"""Scrapy spiders of the talentwatch project."""
