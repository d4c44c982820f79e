from django.urls import path

from coverdesk.web.registers import aircraft, imports, persons

urlpatterns = [
    path("aircraft/", aircraft.aircraft_list, name="aircraft_list"),
    path("aircraft/new/", aircraft.aircraft_create, name="aircraft_create"),
    path("aircraft/import/", imports.aircraft_import_page, name="aircraft_import"),
    path(
        "aircraft/import/template.xlsx",
        imports.aircraft_import_template,
        name="aircraft_import_template",
    ),
    path("aircraft/<int:aircraft_id>/", aircraft.aircraft_detail, name="aircraft_detail"),
    path("aircraft/<int:aircraft_id>/edit/", aircraft.aircraft_edit, name="aircraft_edit"),
    path("persons/", persons.person_list, name="insured_person_list"),
    path("persons/new/", persons.person_create, name="insured_person_create"),
    path("persons/import/", imports.person_import_page, name="insured_person_import"),
    path(
        "persons/import/template.xlsx",
        imports.person_import_template,
        name="insured_person_import_template",
    ),
    path("persons/<int:person_id>/", persons.person_detail, name="insured_person_detail"),
    path("persons/<int:person_id>/edit/", persons.person_edit, name="insured_person_edit"),
    path("persons/<int:person_id>/reveal/", persons.person_reveal, name="insured_person_reveal"),
]
