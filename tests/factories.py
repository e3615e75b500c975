import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from courses.domain import CourseType, Funder, Level
from courses.models import Course, Membership, Municipality, PlaceReport, Provider, Venue
from diepholz_coord import access

PASSWORD = "test-passwort-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Not drawn from a list of real names: the privacy tests search pages for participants' names, and a login
    # that happened to be called "Rahel" would be found in the user menu.
    first_name = "Mitarbeiterin"
    last_name = factory.Sequence(lambda n: f"Login{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    kind = Municipality.Kind.UNITARY
    ars = factory.Sequence(lambda n: f"99999{n:04d}")  # never one of the real county keys (03251...)
    seat_lat = "52.700000"
    seat_lon = "8.700000"
    population = 10000


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Träger {n}")
    kind = Provider.Kind.EDUCATION
    municipality = factory.SubFactory(MunicipalityFactory)
    email = factory.Sequence(lambda n: f"traeger{n}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)
    role = Membership.Role.STAFF


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Schulungsraum {n}")
    street = "Hauptstraße 1"
    postcode = "28857"
    town = "Syke"
    municipality = factory.SelfAttribute("provider.municipality")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    provider = factory.SubFactory(ProviderFactory)
    venue = factory.SubFactory(VenueFactory, provider=factory.SelfAttribute("..provider"))
    municipality = factory.SelfAttribute("venue.municipality")
    title = factory.Sequence(lambda n: f"Deutschkurs {n}")
    course_type = CourseType.IK_ALLG
    funder = Funder.BAMF
    level_from = Level.A1
    level_to = Level.B1
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    end_date = factory.LazyAttribute(lambda c: c.start_date + datetime.timedelta(days=180))
    weekdays = [0, 2, 4]
    time_from = datetime.time(9, 0)
    time_to = datetime.time(12, 15)
    teaching_units = 700
    capacity = 20
    min_size = 8
    status = Course.Status.OPEN


def report(course, free_places, *, by=None, at=None, note=""):
    """A PlaceReport with the course's newest figure kept in step (as the service does)."""
    at = at or timezone.now()
    place_report = PlaceReport.objects.create(
        course=course, free_places=free_places, reported_by=by, reported_at=at, note=note
    )
    Course.objects.filter(pk=course.pk).update(free_places=free_places, places_reported_at=at)
    course.refresh_from_db()
    return place_report


def coordinator(username="koordinator"):
    return UserFactory(username=username, groups=[access.COORDINATOR_GROUP])


def county_staff(username="kreis-test"):
    return UserFactory(username=username, groups=[access.COUNTY_STAFF_GROUP])


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participants.Participant"

    provider = factory.SubFactory(ProviderFactory)
    first_name = factory.Faker("first_name", locale="ar_AA")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    birth_year = 1990
    municipality = factory.SelfAttribute("provider.municipality")
    literacy = "yes"
    level = Level.A1
    route = "claim"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participants.Consent"

    participant = factory.SubFactory(ParticipantFactory)
    purpose = "handover"
    given_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    form = "signed"
    language = "Arabisch"
