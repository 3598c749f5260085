"""FHIR R4 interface for referrers' systems (docs/api.md, "FHIR"): referrals in as
``ServiceRequest``, their progress as ``Task``, the message back as a document ``Bundle``, and
wellbeing answers as ``QuestionnaireResponse`` and ``Observation``."""
