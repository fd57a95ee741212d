"""The kiosk wing: a self-registration kiosk over the visitors and badges services.

``routes`` is the thin blueprint the kiosk page talks JSON to, ``strings`` the texts its
script shows. The front end (HTML in ``templates/kiosk/``, script and styles in the
top-level ``kiosk/`` folder) ships inside this package as ``expo_crm/kiosk/assets``.
"""
