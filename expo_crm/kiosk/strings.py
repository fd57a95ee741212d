"""The texts the kiosk's script shows, sent to the page in every interface language."""

from __future__ import annotations

from flask_babel import gettext as _


def kiosk_strings() -> dict[str, str]:
    """Return the kiosk's texts in the current locale, keyed as the script asks for them."""
    return {
        "welcome_title": _("Welcome to the show"),
        "welcome_text": _("Register in under a minute: hold your business card to the camera."),
        "start": _("Start"),
        "have_code": _("I registered online"),
        "code_title": _("Enter your confirmation code"),
        "code_help": _("It is on your confirmation page or email (8 letters and digits)."),
        "code_scan": _("Or hold the QR code of your confirmation to the camera."),
        "code_continue": _("Continue"),
        "scan_title": _("Hold your business card to the camera"),
        "scan_help": _("Keep the card flat and fill the frame, then tap Take photo."),
        "take_photo": _("Take photo"),
        "upload_photo": _("Upload a photo"),
        "no_card": _("I have no card"),
        "reading": _("Reading your card…"),
        "no_camera": _("The camera is not available. Upload a photo or type your details."),
        "review_title": _("Please check your details"),
        "review_help": _("Fields marked in yellow were hard to read: please check them."),
        "welcome_back": _("Welcome back! We found your details."),
        "name": _("Full name"),
        "title": _("Job title"),
        "company": _("Company"),
        "email": _("Email"),
        "phone": _("Phone"),
        "website": _("Website"),
        "address": _("Address"),
        "check_field": _("Please check"),
        "questions_title": _("A few questions"),
        "category": _("I am visiting as"),
        "category_trade": _("Trade visitor"),
        "category_public": _("Public"),
        "category_press": _("Press"),
        "consent_title": _("Your consent"),
        "consent_help": _("Both are optional; you get your badge either way."),
        "print_badge": _("Print my badge"),
        "printing": _("Printing your badge…"),
        "done_title": _("Thank you! Your badge is printing."),
        "done_text": _("Please take your badge from the printer. Enjoy the show!"),
        "print_again": _("Print again"),
        "next": _("Next"),
        "back": _("Back"),
        "finish": _("Finish"),
        "required": _("Please answer this question."),
        "idle_title": _("Are you still there?"),
        "idle_text": _("For your privacy this screen will be cleared in a few seconds."),
        "idle_continue": _("Continue"),
        "idle_reset": _("Start over"),
        "error_generic": _("Something went wrong. Please try again or ask our staff."),
        "error_network": _("The kiosk lost its connection. Please ask our staff."),
    }
