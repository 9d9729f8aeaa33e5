from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods

from cms.contact import ContactForm, rate_limited, send_contact_message


def data_sources(request):
    """Where Kith's open data comes from, with the attributions its licences require."""
    return render(request, "cms/data_sources.html")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static file.

    The static URL is looked up per request: with hashed static files in
    production it only exists once ``collectstatic`` has run.
    """
    return HttpResponsePermanentRedirect(static("kith/img/favicon.ico"))


@require_http_methods(["GET", "POST"])
def contact(request):
    """A plain contact form; what is sent goes to KITH_CONTACT_EMAIL."""
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "cms/contact_sent.html")
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if rate_limited(request):
            form.add_error(
                None,
                "You have sent several messages in the last hour. Please wait an hour and "
                "try again, or email us directly.",
            )
            status = 429
        elif form.is_valid():
            send_contact_message(form.cleaned_data)
            return redirect("/contact/?sent=1")
        else:
            status = 400
    return render(request, "cms/contact.html", {"form": form}, status=status)
