"""Checks 核查 (梅州 第二十–二十三条; 新疆规程 第二十三–二十四条): rules, runs, findings,
their workflow and claw-backs, and the death list they use."""
