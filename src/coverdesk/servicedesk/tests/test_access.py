"""Who reads what: staff with the view or handle permissions read everything; a customer reads
only their own organisation's inquiries, complaints, invitations and issues (and no internal
notes); another customer's record is not found, and nothing about it is revealed."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coverdesk.core.exceptions import NotFound
from coverdesk.servicedesk.access.complaints import complaint_access_for_user, complaints_for_user
from coverdesk.servicedesk.access.inquiries import (
    attachment_access_for_user,
    inquiries_for_user,
    inquiry_access_for_user,
    inquiry_thread_for_user,
)
from coverdesk.servicedesk.access.surveys import (
    invitation_access_for_user,
    invitation_by_token,
    invitations_for_user,
    issue_access_for_user,
    issues_for_user,
    return_visit_access_for_user,
    survey_access_for_user,
)
from coverdesk.servicedesk.exceptions import (
    ComplaintNotFound,
    InquiryNotFound,
    InvitationNotFound,
    IssueNotFound,
    ReturnVisitNotFound,
    SurveyNotFound,
)
from coverdesk.servicedesk.models import ServiceIssue
from coverdesk.servicedesk.services.complaints import complaint_receive
from coverdesk.servicedesk.services.inquiries import (
    inquiry_note,
    inquiry_receive_online,
    inquiry_reply,
)
from coverdesk.servicedesk.services.return_visits import return_visit_schedule
from coverdesk.servicedesk.services.surveys import survey_answer, survey_create, survey_send
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    make_customer,
    make_desk,
    make_other_customer,
    make_portal_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def world():
    desk = make_desk()
    ours, theirs = make_customer(), make_other_customer()
    mine, stranger = make_portal_user(ours), make_portal_user(theirs)
    inquiry = inquiry_receive_online(
        acting_user=mine,
        subject="保单查询",
        body="请发送保单电子版。",
        attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")],
        now=MONDAY,
    )
    inquiry_reply(inquiry_id=inquiry.pk, body="已发送。", acting_user=desk.agent, now=MONDAY)
    inquiry_note(
        inquiry_id=inquiry.pk,
        body="客户为重点客户。",
        attachments=[SimpleUploadedFile("内部.pdf", b"%PDF-1.4 internal")],
        acting_user=desk.agent,
        now=MONDAY,
    )
    complaint = complaint_receive(
        acting_user=mine,
        channel="online",
        complainant_name="郑海",
        subject="回复慢",
        description="两天未答复。",
        now=MONDAY,
    )
    survey = survey_create(
        title="满意度",
        questions=[{"text": "总体", "kind": "score"}],
        acting_user=desk.manager,
        now=MONDAY,
    )
    (sent,) = survey_send(
        survey_id=survey.pk,
        customer_ids=[ours.pk],
        channel="portal",
        acting_user=desk.manager,
        now=MONDAY,
    )
    survey_answer(
        token=sent.token,
        answers={survey.questions.get().pk: 1},
        acting_user=mine,
        now=MONDAY + timedelta(days=1),
    )
    visit = return_visit_schedule(
        customer_id=ours.pk,
        planned_on=MONDAY.date(),
        script="s",
        acting_user=desk.agent,
        now=MONDAY,
    )
    return {
        "desk": desk,
        "mine": mine,
        "stranger": stranger,
        "inquiry": inquiry,
        "complaint": complaint,
        "survey": survey,
        "invitation": sent.invitation,
        "token": sent.token,
        "issue": ServiceIssue.objects.get(),
        "visit": visit,
    }


def test_the_customer_reads_their_own_records_without_internal_notes(world):
    mine, inquiry = world["mine"], world["inquiry"]
    assert inquiry_access_for_user(user=mine, inquiry_id=inquiry.pk) == inquiry
    assert list(inquiries_for_user(user=mine)) == [inquiry]
    thread = inquiry_thread_for_user(user=mine, inquiry_id=inquiry.pk)
    assert [m.kind for m in thread] == ["customer", "reply"]
    customer_file = thread[0].attachments.all()[0]
    assert attachment_access_for_user(user=mine, attachment_id=customer_file.pk) == customer_file
    assert complaint_access_for_user(user=mine, complaint_id=world["complaint"].pk)
    assert list(invitations_for_user(user=mine)) == [world["invitation"]]
    assert issue_access_for_user(user=mine, issue_id=world["issue"].pk) == world["issue"]


def test_staff_read_everything_including_notes(world):
    agent = world["desk"].agent
    thread = inquiry_thread_for_user(user=agent, inquiry_id=world["inquiry"].pk)
    assert [m.kind for m in thread] == ["customer", "reply", "note"]
    note_file = thread[2].attachments.all()[0]
    assert attachment_access_for_user(user=agent, attachment_id=note_file.pk) == note_file
    assert return_visit_access_for_user(user=agent, visit_id=world["visit"].pk)
    assert survey_access_for_user(user=world["desk"].manager, survey_id=world["survey"].pk)


def test_a_customer_does_not_get_the_file_of_an_internal_note(world):
    agent, mine = world["desk"].agent, world["mine"]
    note = inquiry_thread_for_user(user=agent, inquiry_id=world["inquiry"].pk)[2]
    with pytest.raises(InquiryNotFound):
        attachment_access_for_user(user=mine, attachment_id=note.attachments.get().pk)


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        (
            lambda w: inquiry_access_for_user(user=w["stranger"], inquiry_id=w["inquiry"].pk),
            InquiryNotFound,
        ),
        (
            lambda w: inquiry_thread_for_user(user=w["stranger"], inquiry_id=w["inquiry"].pk),
            InquiryNotFound,
        ),
        (
            lambda w: attachment_access_for_user(
                user=w["stranger"], attachment_id=w["inquiry"].messages.first().attachments.get().pk
            ),
            InquiryNotFound,
        ),
        (
            lambda w: complaint_access_for_user(user=w["stranger"], complaint_id=w["complaint"].pk),
            ComplaintNotFound,
        ),
        (
            lambda w: invitation_access_for_user(
                user=w["stranger"], invitation_id=w["invitation"].pk
            ),
            InvitationNotFound,
        ),
        (
            lambda w: issue_access_for_user(user=w["stranger"], issue_id=w["issue"].pk),
            IssueNotFound,
        ),
        (
            lambda w: return_visit_access_for_user(user=w["mine"], visit_id=w["visit"].pk),
            ReturnVisitNotFound,
        ),
        (
            lambda w: survey_access_for_user(user=w["mine"], survey_id=w["survey"].pk),
            SurveyNotFound,
        ),
        (
            lambda w: inquiry_access_for_user(user=w["desk"].outsider, inquiry_id=w["inquiry"].pk),
            InquiryNotFound,
        ),
    ],
)
def test_another_customers_record_is_not_found(world, reader, error):
    with pytest.raises(error) as caught:
        reader(world)
    # The same answer as for a record that does not exist at all: nothing is revealed.
    assert isinstance(caught.value, NotFound)
    assert caught.value.status_code == 404
    assert caught.value.params == {}


def test_a_record_that_does_not_exist_gives_the_same_answer(world):
    with pytest.raises(InquiryNotFound) as missing:
        inquiry_access_for_user(user=world["stranger"], inquiry_id=987654)
    with pytest.raises(InquiryNotFound) as foreign:
        inquiry_access_for_user(user=world["stranger"], inquiry_id=world["inquiry"].pk)
    assert (missing.value.code, missing.value.message) == (
        foreign.value.code,
        foreign.value.message,
    )


def test_lists_of_another_customer_are_empty(world):
    stranger = world["stranger"]
    assert list(inquiries_for_user(user=stranger)) == []
    assert list(complaints_for_user(user=stranger)) == []
    assert list(invitations_for_user(user=stranger)) == []
    assert list(issues_for_user(user=stranger)) == []
    assert list(inquiries_for_user(user=world["desk"].outsider)) == []


def test_a_survey_link_opens_only_its_own_invitation(world):
    assert invitation_by_token(token=world["token"]) == world["invitation"]
    with pytest.raises(InvitationNotFound):
        invitation_by_token(token="")
    with pytest.raises(InvitationNotFound):
        invitation_by_token(token=world["token"] + "x")
