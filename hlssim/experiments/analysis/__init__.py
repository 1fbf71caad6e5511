"""Analysis of a finished sweep: sensitivity indices (:mod:`.sensitivity`, by SALib), scenario
discovery (:mod:`.discovery`), the ``analyze`` driver (:mod:`.analyze`) and the report
(:mod:`.report`)."""
