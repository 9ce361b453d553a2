"""mlnotes-site: a static site generator for bilingual (中文 / English) machine-learning notes."""

__version__ = "0.1.0"
