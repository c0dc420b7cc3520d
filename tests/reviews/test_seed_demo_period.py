from django.core.management import call_command

from reviews.models import Report, ReviewPeriod, Subject


def test_seed_demo_period_does_enrol_the_demo_province_once(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_period", verbosity=0)
    counts = (ReviewPeriod.objects.count(), Subject.objects.count(), Report.objects.count())
    call_command("seed_demo_period", verbosity=0)
    assert (ReviewPeriod.objects.count(), Subject.objects.count(), Report.objects.count()) == counts
    assert counts[1] > 100
    # The demo member has a report to write.
    assert Report.objects.filter(subject__person__user__username="dangvien").exists()
