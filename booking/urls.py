from django.urls import path

from . import views

app_name = "booking"
urlpatterns = [
    path("calendar/booking/<str:secret>.ics", views.booking_calendar, name="booking-ics"),
    path("calendar/feed/<str:secret>.ics", views.feed_calendar, name="feed-ics"),
]
