"""Facts about the German course landscape the product relies on (copied from the domain notes).

Course types, levels and funders; names are English msgids with German translations in locale/de.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """CEFR levels; ALPHA means literacy training in the Latin script is still needed. Ordered."""

    ALPHA = 0, "Alpha"
    PRE_A1 = 1, "Pre-A1"
    A1 = 2, "A1"
    A2 = 3, "A2"
    B1 = 4, "B1"
    B2 = 5, "B2"
    C1 = 6, "C1"
    C2 = 7, "C2"


class Funder(models.TextChoices):
    BAMF = "bamf", _("BAMF (federal)")
    LAND = "land", _("Land Lower Saxony")
    COUNTY = "county", _("County of Diepholz")
    MUNICIPALITY = "municipality", _("Municipality")
    DONATIONS = "donations", _("Volunteers and donations")
    SELF_PAYERS = "self", _("Participants (self-payers)")
    OTHER = "other", _("Other")


class CourseType(models.TextChoices):
    EOK = "EOK", _("Initial orientation course")
    NDS_BASIS = "NDS_BASIS", _("Basic German course for refugees (Lower Saxony programme)")
    NDS_IHF = "NDS_IHF", _("Intensive course for highly qualified refugees")
    LK_NIEDRIG = "LK_NIEDRIG", _("Low-threshold local German course (county)")
    IK_ALLG = "IK_ALLG", _("General integration course")
    IK_ALPHA = "IK_ALPHA", _("Integration course with literacy training")
    IK_ZSL = "IK_ZSL", _("Course for second-script learners")
    IK_JUGEND = "IK_JUGEND", _("Youth integration course")
    IK_ELTERN = "IK_ELTERN", _("Parents' integration course")
    IK_FRAUEN = "IK_FRAUEN", _("Women's integration course")
    IK_FOERDER = "IK_FOERDER", _("Remedial integration course")
    IK_INTENSIV = "IK_INTENSIV", _("Intensive integration course")
    IK_WIED = "IK_WIED", _("Integration course repetition")
    OK = "OK", _("Orientation course")
    BSK_A2 = "BSK_A2", _("Job-related special course, target A2")
    BSK_B1 = "BSK_B1", _("Job-related special course, target B1")
    BSK_B2 = "BSK_B2", _("Job-related base course B2")
    BSK_C1 = "BSK_C1", _("Job-related base course C1")
    BSK_ANERK = "BSK_ANERK", _("Job-related course for professional recognition")
    BSK_FACH = "BSK_FACH", _("Sector-specific job-related course")
    SPRACHCAFE = "SPRACHCAFE", _("Volunteer language café")


# Typical defaults per course type: (teaching units, level from, level to, funder). Used to prefill forms and
# by the demo data; a course may deviate.
COURSE_TYPE_DEFAULTS: dict[str, tuple[int | None, int, int, str]] = {
    CourseType.EOK: (300, Level.PRE_A1, Level.A1, Funder.BAMF),
    CourseType.NDS_BASIS: (300, Level.A1, Level.A2, Funder.LAND),
    CourseType.NDS_IHF: (1000, Level.A2, Level.C1, Funder.LAND),
    CourseType.LK_NIEDRIG: (120, Level.ALPHA, Level.A1, Funder.COUNTY),
    CourseType.IK_ALLG: (700, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_ALPHA: (1000, Level.ALPHA, Level.B1, Funder.BAMF),
    CourseType.IK_ZSL: (1000, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_JUGEND: (1000, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_ELTERN: (1000, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_FRAUEN: (1000, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_FOERDER: (1000, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_INTENSIV: (430, Level.PRE_A1, Level.B1, Funder.BAMF),
    CourseType.IK_WIED: (300, Level.A2, Level.B1, Funder.BAMF),
    CourseType.OK: (100, Level.A2, Level.B1, Funder.BAMF),
    CourseType.BSK_A2: (400, Level.A1, Level.A2, Funder.BAMF),
    CourseType.BSK_B1: (400, Level.A2, Level.B1, Funder.BAMF),
    CourseType.BSK_B2: (400, Level.B1, Level.B2, Funder.BAMF),
    CourseType.BSK_C1: (400, Level.B2, Level.C1, Funder.BAMF),
    CourseType.BSK_ANERK: (600, Level.B1, Level.C1, Funder.BAMF),
    CourseType.BSK_FACH: (300, Level.B1, Level.B2, Funder.BAMF),
    CourseType.SPRACHCAFE: (None, Level.ALPHA, Level.B2, Funder.DONATIONS),
}

# Whom a course is for, as data (the matching's hard rules read these). The course type sets the defaults; a
# course may deviate (e.g. a women's language café).
TARGET_GROUP_FIELDS = ("women_only", "age_min", "age_max", "parents_only", "literacy_learners")
# Youth integration course (§ 13 (1) 1 IntV): young adults who have not yet completed their 27th year of life, so
# at most 26 years old when the course starts.
YOUTH_AGE_MAX = 26
_TARGET_GROUP_BY_TYPE: dict[str, dict] = {
    CourseType.IK_FRAUEN: {"women_only": True},
    CourseType.IK_JUGEND: {"age_max": YOUTH_AGE_MAX},
    CourseType.IK_ELTERN: {"parents_only": True},
    CourseType.IK_ALPHA: {"literacy_learners": True},
}


def target_group_defaults(course_type: str) -> dict:
    """The target-group fields a course of this type has unless set otherwise (all fields, always)."""
    values = {"women_only": False, "age_min": None, "age_max": None, "parents_only": False, "literacy_learners": False}
    values.update(_TARGET_GROUP_BY_TYPE.get(course_type, {}))
    return values


WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
