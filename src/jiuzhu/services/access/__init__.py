"""Access (权限与身份): staff accounts and roles, hospitals' API keys, login, web sessions.

One service for every front end (API, web, CLI) — 宁医保发〔2023〕102号 第五–九条
(岗位职责、分级审批、全程痕迹管理):

* :mod:`.roles` — roles as data and the permissions they grant;
* :mod:`.accounts` — create, change and reset passwords, roles, enable/disable;
* :mod:`.api_keys` — hospitals' keys, shown once, stored hashed;
* :mod:`.login` — the one password check (lockout), bearer tokens, who is calling;
* :mod:`.web_sessions` — the web application's sessions;
* :mod:`.queries` — typed views for the front ends.
"""
