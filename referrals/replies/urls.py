from django.urls import path

from referrals.replies import pages

app_name = "replies"

urlpatterns = [
    path("", pages.reply_list, name="list"),
    path("new/", pages.reply_edit, name="new"),
    path("<int:pk>/", pages.reply_edit, name="edit"),
    path("<int:pk>/archive/", pages.archive, name="archive"),
    path("<int:pk>/restore/", pages.restore, name="restore"),
]
