"""The semiannual report: its content from the marts (:mod:`.content`), in Vietnamese or English
(:mod:`.formatting`), written as XLSX, PDF and CSV files (:mod:`.files`) and delivered (:mod:`.delivery`)."""
