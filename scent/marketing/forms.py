from __future__ import annotations

from django import forms

from scent.marketing.quiz import Question

RATING_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class QuizStepForm(forms.Form):
    """One quiz question as radio buttons."""

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["answer"] = forms.ChoiceField(
            label=question.title,
            help_text=question.help,
            choices=[(c.value, c.label) for c in question.choices],
            widget=forms.RadioSelect,
            error_messages={
                "required": "Please choose one answer.",
                "invalid_choice": "Please choose one of the answers shown.",
            },
        )


class QuizQuickForm(forms.Form):
    """All five questions at once, as selects (the compact quiz on the home page)."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.key] = forms.ChoiceField(
                label=question.title,
                choices=[("", "Choose…"), *((c.value, c.label) for c in question.choices)],
                error_messages={"required": "Please choose one."},
            )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        error_messages={
            "required": "Please enter your e-mail address.",
            "invalid": "Please enter a valid e-mail address, like name@example.com.",
            "max_length": "That e-mail address is too long (254 characters at most).",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5 stars."},
    )
    title = forms.CharField(label="Title (optional)", max_length=120, required=False)
    body = forms.CharField(
        label="Your review",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Tell other shoppers a little about it."},
    )
