"""jiuzhu — 医疗救助经办管理系统 (medical assistance administration)."""

__version__ = "0.1.0"
