"""The FHIR endpoints, under ``/fhir/`` (URL names ``fhir_*``)."""

from __future__ import annotations

from django.urls import path, re_path

from socialrx.audit_views import LIST, ViewAudit, declare

from . import api

urlpatterns: list = [
    path("metadata", api.MetadataApi.as_view(), name="fhir_metadata"),
    path(
        "ServiceRequest", api.ServiceRequestCreateApi.as_view(), name="fhir_service_request_create"
    ),
    path(
        "ServiceRequest/<int:pk>",
        api.ServiceRequestDetailApi.as_view(),
        name="fhir_service_request",
    ),
    path("Task", api.TaskSearchApi.as_view(), name="fhir_task_search"),
    path("Task/<int:pk>", api.TaskDetailApi.as_view(), name="fhir_task"),
    path("Bundle/<int:pk>", api.BundleDetailApi.as_view(), name="fhir_bundle"),
    path("Patient/<int:pk>", api.PatientDetailApi.as_view(), name="fhir_patient"),
    path(
        "Patient/<int:pk>/QuestionnaireResponse",
        api.PatientQuestionnaireResponsesApi.as_view(),
        name="fhir_patient_questionnaire_responses",
    ),
    path(
        "Patient/<int:pk>/Observation",
        api.PatientObservationsApi.as_view(),
        name="fhir_patient_observations",
    ),
    re_path(r"^(?:.*)$", api.UnknownApi.as_view(), name="fhir_unknown"),
]

declare(
    namespace="",
    audited={
        "fhir_service_request": ViewAudit("referrals.Referral", detail="FHIR ServiceRequest"),
        "fhir_task": ViewAudit("referrals.Referral", detail="FHIR Task"),
        "fhir_task_search": ViewAudit(
            "referrals.Referral", kind=LIST, search=lambda request: "FHIR Task by based-on"
        ),
        "fhir_bundle": ViewAudit("referrals.Feedback", detail="FHIR message back"),
        "fhir_patient_questionnaire_responses": ViewAudit(
            "referrals.Person", detail="FHIR QuestionnaireResponse"
        ),
        "fhir_patient_observations": ViewAudit("referrals.Person", detail="FHIR Observation"),
        "fhir_patient": ViewAudit("referrals.Person", detail="FHIR Patient"),
    },
    not_audited={
        "fhir_metadata": "the server's CapabilityStatement; no one's data",
        "fhir_service_request_create": "makes a referral (audited as a change); shows the "
        "referrer only what they sent",
        "fhir_unknown": "answers not found; shows nothing",
    },
)
