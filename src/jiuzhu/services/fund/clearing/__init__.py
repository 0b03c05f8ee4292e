"""Hospital clearing and payment (宁医保发〔2023〕102号 第三十条; 双鸭山实施办法 第二十七条;
梅州规程 第十二条): parse a hospital's statement (:mod:`.parse`), compare it with our
settlements (:mod:`.compare`), approve it and pay it (:mod:`.apply`), read it
(:mod:`.queries`)."""
