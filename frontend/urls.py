from django.urls import path

from .views import district, home, resident, unit, worker

app_name = "frontend"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", home.LoginView.as_view(), name="login"),
    path("logout/", home.LogoutView.as_view(), name="logout"),
    # resident
    path("resources/", resident.resources, name="resources"),
    path("resources/<str:rid>/", resident.resource, name="resource"),
    path("resources/<str:rid>/book/", resident.book, name="book"),
    path("bookings/", resident.my_bookings, name="my-bookings"),
    path("bookings/<str:bid>/", resident.booking_detail, name="booking"),
    path("bookings/<str:bid>/cancel/", resident.cancel_booking, name="cancel-booking"),
    path("notifications/", resident.notifications, name="notifications"),
    path("needs/", resident.needs, name="needs"),
    path("needs/<str:nid>/support/", resident.support_need, name="support-need"),
    path("me/data/", resident.my_data, name="my-data"),
    path("me/data/delete/", resident.delete_my_data, name="delete-my-data"),
    path("me/calendar/rotate/", resident.rotate_calendar, name="rotate-calendar"),
    # unit admin and unit staff
    path("unit/", unit.today, name="unit-today"),
    path("unit/check-in/", unit.check_in, name="check-in"),
    path("unit/bookings/<str:bid>/clear-no-show/", unit.clear_no_show, name="clear-no-show"),
    path("unit/kitchen/<str:rid>/", unit.kitchen_sheet, name="kitchen-sheet"),
    path("unit/resources/", unit.resources, name="unit-resources"),
    path("unit/resources/new/", unit.publish, name="publish-resource"),
    path("unit/resources/<str:rid>/edit/", unit.edit, name="edit-resource"),
    path("unit/resources/<str:rid>/close/", unit.close_slots, name="close-slots"),
    path("unit/resources/<str:rid>/utilisation/", unit.utilisation, name="utilisation"),
    path("unit/approvals/", unit.approvals, name="approvals"),
    path("unit/approvals/<str:bid>/", unit.decide, name="decide-booking"),
    path("unit/proposals/", unit.proposals, name="proposals"),
    path("unit/proposals/group/", unit.respond_group, name="respond-group"),
    path("unit/proposals/<str:aid>/", unit.respond, name="respond-allocation"),
    path("unit/contribution/", unit.contribution, name="contribution"),
    # community worker
    path("community/residents/", worker.residents, name="residents"),
    path("community/residents/<str:uid>/", worker.resident_detail, name="resident"),
    path("community/book/", worker.proxy_book, name="proxy-book"),
    path("community/slips/", worker.slips, name="slips"),
    path("community/needs/", worker.needs, name="worker-needs"),
    path("community/needs/new/", worker.post_need, name="post-need"),
    path("community/needs/<str:nid>/", worker.need_detail, name="need"),
    path("community/needs/<str:nid>/close/", worker.close_need, name="close-need"),
    path("community/allocations/", worker.allocations, name="community-allocations"),
    # district staff
    path("district/", district.dashboard, name="dashboard"),
    path("district/runs/", district.runs, name="runs"),
    path("district/runs/<str:run>/", district.run_progress, name="run-progress"),
    path("district/export/<str:kind>.csv", district.export, name="export"),
    path("district/audit/", district.audit_log, name="audit-log"),
]
