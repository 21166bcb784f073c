"""How form widgets are drawn: Django's own widget and form templates by Jinja2, any other
(the admin's) by Django's template engine.

Drawn by Django's engine, a select includes a template per option and every widget its
attributes' template: on the staff pages that was most of the time of a request (the case
page draws some forty fields, the queue's filters a hundred options or more). Django ships
the same templates for Jinja2, which draws them several times faster. The admin's own
widgets exist for Django's engine alone, so a template Jinja2 does not have is looked up
there.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
