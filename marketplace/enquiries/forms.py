"""Forms for enquiries and messages; the rules live in ``marketplace.enquiries.services``."""

from django import forms

from marketplace.forms import ForWhomMixin


class EnquiryForm(ForWhomMixin, forms.Form):
    subject = forms.CharField(
        max_length=150,
        help_text="For example: Swimming sessions on Saturday mornings.",
        error_messages={"required": "Enter a subject."},
    )
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Say what you are looking for and any questions. "
        "Share only the health details they need to answer.",
        error_messages={"required": "Enter a message."},
    )

    def __init__(self, *args, user, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_for_whom(people, "Who is this enquiry for?")


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a message."},
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this message?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A moderator will read the message and your reason. "
        "If someone is in danger now, call 999.",
        error_messages={"required": "Say what is wrong with the message."},
    )
