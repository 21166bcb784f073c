from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Thai unless the visitor chose English with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, but
    many people in Thailand use a phone set to English while reading Thai best; the
    portal therefore starts in Thai and remembers an explicit choice in a cookie.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
