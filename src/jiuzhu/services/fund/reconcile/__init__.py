"""Reconciliation (对账, 宁医保发〔2023〕102号 第二十八条; 新疆规程 第二十条): bank statements and
finance's figures imported (:mod:`.parse`, atomic), matched against the journal and the
balances asserted per account and day (:mod:`.match`), every difference kept until a
person resolves it with a reason (:mod:`.apply`), read in :mod:`.queries`."""
