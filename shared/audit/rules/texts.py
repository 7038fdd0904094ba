"""Catalogue entries of issue 13's check families (read by ``shared.audit.catalogue``).

Plain data, so the catalogue can import it without importing the rules: each entry is
``(code, severity, scope, threshold, (title, explanation, fix), (title_ru, explanation_ru, fix_ru))``.
"""

from __future__ import annotations

Entry = tuple[str, str, str, str | None, tuple[str, str, str], tuple[str, str, str]]

LINKS: list[Entry] = [
    ("link_not_crawlable", "warning", "page", None,
     ("Links crawlers cannot follow",
      "The page has <a> elements search engines cannot follow: a javascript: URL, no href at all (a click "
      "handler instead), a file: URL or an href that is not a URL. Google follows only <a> elements whose "
      "href is a web address; whatever those links lead to is invisible to it.",
      "Give every link a real href (a URL or path) and keep scripts as enhancements on top of it."),
     ("Ссылки, по которым робот не пройдёт",
      "На странице есть элементы <a>, по которым поисковики не переходят: ссылка javascript:, отсутствие href "
      "(вместо него обработчик клика), адрес file: или href, который не является URL. Google переходит только "
      "по <a> с веб-адресом в href; то, куда ведут такие ссылки, для него невидимо.",
      "Укажите в каждой ссылке настоящий href (URL или путь), а скрипты добавляйте поверх него.")),
    ("link_href_empty", "notice", "page", None,
     ("Links that lead nowhere",
      "Some links have an empty href or just \"#\". They point back at the page itself, so crawlers find "
      "nothing new and users who open them in a new tab get the same page.",
      "Link to the page the element stands for, or use a <button> for actions that are not navigation."),
     ("Ссылки в никуда",
      "У части ссылок пустой href или просто «#». Они ведут на эту же страницу: робот не находит ничего нового, "
      "а пользователь, открыв ссылку в новой вкладке, видит ту же страницу.",
      "Ставьте ссылку на страницу, которую обозначает элемент, а для действий без перехода используйте <button>.")),
    ("link_href_not_encoded", "notice", "page", None,
     ("Link URLs with unencoded characters",
      "Some hrefs contain non-ASCII characters (Cyrillic, accents, spaces written raw) in the path or query. "
      "URLs may only carry ASCII; browsers encode them for you, but other clients, analytics and some "
      "crawlers treat the raw form differently, which splits one page into several URLs.",
      "Write links percent-encoded (as the browser's address bar copies them), or generate them with your "
      "framework's URL builder."),
     ("Неэкранированные символы в ссылках",
      "В пути или параметрах некоторых href есть символы вне ASCII (кириллица, диакритика) без процентного "
      "кодирования. Браузер закодирует их сам, но другие клиенты, аналитика и часть роботов читают такой адрес "
      "иначе, и одна страница распадается на несколько URL.",
      "Пишите ссылки в процентной кодировке (как их копирует адресная строка) или стройте их средствами "
      "фреймворка.")),
    ("link_text_non_descriptive", "notice", "page", None,
     ("Non-descriptive link text",
      "Some links say only \"click here\", \"read more\", \"подробнее\" or similar. Link text tells users and "
      "search engines what the target is about; generic text tells them nothing (Lighthouse's link-text audit, "
      "with a Russian list added).",
      "Write link text that names the target: \"Delivery terms\" instead of \"click here\"."),
     ("Неинформативный текст ссылок",
      "Текст некоторых ссылок — «подробнее», «здесь», «click here» и подобное. Текст ссылки сообщает людям и "
      "поисковикам, о чём целевая страница; общие слова не сообщают ничего (аудит link-text в Lighthouse, "
      "дополненный русским списком).",
      "Пишите текст, который называет цель: «Условия доставки» вместо «подробнее».")),
    ("link_text_empty", "warning", "page", None,
     ("Links without text",
      "Some links have no text, no image alt, no aria-label and no title. Screen readers announce them as "
      "\"link\" and search engines get no anchor text for the target.",
      "Put words in the link, or give its image an alt text, or add an aria-label."),
     ("Ссылки без текста",
      "У части ссылок нет ни текста, ни alt у картинки, ни aria-label, ни title. Экранные дикторы читают их "
      "просто как «ссылка», а поисковик не получает анкор для целевой страницы.",
      "Добавьте в ссылку текст, alt у картинки внутри или атрибут aria-label.")),
    ("link_internal_nofollow", "notice", "page", None,
     ("Internal links with nofollow",
      "The page marks links to its own site rel=\"nofollow\". That tells search engines not to trust your own "
      "pages and wastes the link's value; it does not keep a page out of the index.",
      "Remove nofollow from internal links; keep pages out of search with noindex, and out of the crawl with "
      "robots.txt."),
     ("Внутренние ссылки с nofollow",
      "Страница помечает ссылки на свой же сайт rel=\"nofollow\". Так вы просите поисковик не доверять своим же "
      "страницам и теряете вес ссылки; из индекса страницу это не убирает.",
      "Уберите nofollow со внутренних ссылок; чтобы скрыть страницу из поиска, используйте noindex, из обхода — "
      "robots.txt.")),
    ("link_to_http", "warning", "page", None,
     ("HTTPS page links to HTTP pages of the site",
      "The page is served over HTTPS but links to http:// addresses of the same site. Each click costs a "
      "redirect (or lands on an insecure page), and the links pass their value through a hop.",
      "Update the links to the https:// addresses."),
     ("HTTPS-страница ссылается на HTTP-адреса сайта",
      "Страница открыта по HTTPS, но ссылается на http://-адреса своего сайта. Каждый переход — это лишний "
      "редирект (или небезопасная страница), вес ссылок теряется на перенаправлении.",
      "Замените ссылки на https://-адреса.")),
    ("links_too_many", "notice", "page", "links_max_per_page",
     ("Too many links on the page",
      "The page has more distinct links than the threshold. Every link shares the page's value, users cannot "
      "scan them, and crawlers may not give weight to all of them.",
      "Keep navigation focused: move long lists to paginated or category pages."),
     ("Слишком много ссылок на странице",
      "Уникальных ссылок на странице больше порога. Вес страницы делится между всеми ссылками, посетители не "
      "могут их просмотреть, а роботы могут учесть не все.",
      "Сократите навигацию: длинные списки вынесите на страницы категорий или с пагинацией.")),
    ("external_link_broken", "warning", "site", None,
     ("Broken external links",
      "Links to other sites answer 4xx/5xx or fail (DNS, TLS, timeout). Checked when the crawl setting "
      "check_external_links is on, politely, once per URL.",
      "Update each link to the page's new address or remove it."),
     ("Битые внешние ссылки",
      "Ссылки на другие сайты отвечают 4xx/5xx или не открываются (DNS, TLS, тайм-аут). Проверяются, когда "
      "включена настройка обхода check_external_links, вежливо, по одному запросу на URL.",
      "Исправьте ссылку на новый адрес страницы или уберите её.")),
    ("external_link_redirect", "notice", "site", None,
     ("External links that redirect",
      "Links to other sites land on a redirect. Users wait for an extra hop, and a redirect is often the first "
      "sign that the target moved or vanished (checked with check_external_links).",
      "Link to the final address the redirect leads to."),
     ("Внешние ссылки с перенаправлением",
      "Ссылки на другие сайты ведут на редирект. Пользователь ждёт лишний шаг, а редирект часто первый признак "
      "того, что страница переехала или исчезла (проверяется при check_external_links).",
      "Ставьте ссылку сразу на конечный адрес перенаправления.")),
]  # fmt: skip

STRUCTURED: list[Entry] = [
    ("structured_data_invalid_json", "warning", "page", None,
     ("JSON-LD that does not parse",
      "A <script type=\"application/ld+json\"> block is not valid JSON (a missing comma or quote, a trailing "
      "comma, an HTML comment inside). Search engines ignore the whole block, so none of its structured data "
      "counts.",
      "Validate the block with a JSON linter or the Rich Results Test and fix the syntax; generate JSON-LD "
      "with a JSON encoder instead of string templates."),
     ("JSON-LD с ошибкой синтаксиса",
      "Блок <script type=\"application/ld+json\"> не является корректным JSON (пропущена запятая или кавычка, "
      "лишняя запятая, HTML-комментарий внутри). Поисковики пропускают весь блок, и вся его разметка не "
      "учитывается.",
      "Проверьте блок JSON-валидатором или в Rich Results Test и исправьте синтаксис; формируйте JSON-LD "
      "JSON-кодировщиком, а не строковыми шаблонами.")),
    ("structured_data_unknown_type", "warning", "page", None,
     ("Unknown schema.org type",
      "The structured data names a type that schema.org does not define (often a typo such as \"Prodcut\" or a "
      "made-up name). Search engines do not understand such items.",
      "Use a type from schema.org's vocabulary (https://schema.org/docs/full.html), spelled exactly."),
     ("Неизвестный тип schema.org",
      "В микроразметке указан тип, которого нет в словаре schema.org (часто опечатка вроде «Prodcut» или "
      "выдуманное имя). Поисковики такие объекты не понимают.",
      "Используйте тип из словаря schema.org (https://schema.org/docs/full.html) в точном написании.")),
    ("rich_result_missing_required", "warning", "page", None,
     ("Rich result: required property missing",
      "An item of a type Google shows as a rich result (Product, Event, Recipe, Video, Job posting, Local "
      "business, Breadcrumb) lacks a property Google's documentation requires, so it is not eligible. The "
      "details name the missing properties and the documentation page.",
      "Add the missing properties listed in the details, as Google's page for the feature describes."),
     ("Расширенный результат: нет обязательного свойства",
      "У объекта типа, который Google показывает расширенным результатом (Product, Event, Recipe, Video, "
      "JobPosting, LocalBusiness, BreadcrumbList), нет свойства, обязательного по документации Google, поэтому "
      "он не будет показан. В деталях — недостающие свойства и ссылка на документацию.",
      "Добавьте перечисленные свойства так, как описано на странице Google для этого типа.")),
    ("rich_result_missing_recommended", "notice", "page", None,
     ("Rich result: recommended property missing",
      "An item eligible for a Google rich result lacks properties Google recommends (an image, a date, an "
      "author, a price currency...). The result can still show, with less information.",
      "Add the recommended properties listed in the details where they apply to your content."),
     ("Расширенный результат: нет рекомендуемого свойства",
      "У объекта, пригодного для расширенного результата Google, нет рекомендуемых свойств (картинка, дата, "
      "автор, валюта цены...). Результат может показываться, но беднее.",
      "Добавьте рекомендуемые свойства из деталей, если они подходят к вашему содержимому.")),
    ("rich_result_retired", "notice", "page", None,
     ("Markup for a retired rich result",
      "The page has FAQPage or HowTo markup. Google no longer shows these rich results (FAQ since May 2026, "
      "HowTo since September 2023); the markup does no harm but brings nothing in Google Search.",
      "Nothing to fix; remove the markup if it is maintained only for Google."),
     ("Разметка для отменённого расширенного результата",
      "На странице есть разметка FAQPage или HowTo. Google больше не показывает эти расширенные результаты "
      "(FAQ — с мая 2026, HowTo — с сентября 2023); разметка не вредит, но в Google ничего не даёт.",
      "Исправлять нечего; уберите разметку, если она поддерживается только ради Google.")),
]  # fmt: skip

SECURITY: list[Entry] = [
    ("hsts_missing", "warning", "page", None,
     ("HTTPS page without HSTS",
      "The page is served over HTTPS without a Strict-Transport-Security header (or with max-age=0). Browsers "
      "may still try plain http first, which an attacker on the network can intercept.",
      "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every https response."),
     ("HTTPS-страница без HSTS",
      "Страница отдаётся по HTTPS без заголовка Strict-Transport-Security (или с max-age=0). Браузер может "
      "сначала пойти по http, и такой запрос можно перехватить в сети.",
      "Отправляйте Strict-Transport-Security: max-age=31536000; includeSubDomains во всех https-ответах.")),
    ("x_content_type_options_missing", "notice", "page", None,
     ("X-Content-Type-Options: nosniff missing",
      "The response does not send X-Content-Type-Options: nosniff, so browsers may guess (sniff) a content "
      "type and run uploaded files as scripts or styles.",
      "Add the header X-Content-Type-Options: nosniff in the web server's configuration."),
     ("Нет X-Content-Type-Options: nosniff",
      "Ответ не содержит X-Content-Type-Options: nosniff, и браузер может сам угадывать тип содержимого и "
      "выполнить загруженный файл как скрипт или стиль.",
      "Добавьте заголовок X-Content-Type-Options: nosniff в настройки веб-сервера.")),
    ("x_frame_options_missing", "notice", "page", None,
     ("No protection against framing",
      "The response has neither X-Frame-Options nor a Content-Security-Policy frame-ancestors directive, so any "
      "site can embed the page in a frame (clickjacking).",
      "Send X-Frame-Options: SAMEORIGIN or Content-Security-Policy: frame-ancestors 'self'."),
     ("Нет защиты от встраивания во фрейм",
      "В ответе нет ни X-Frame-Options, ни директивы frame-ancestors в Content-Security-Policy: любой сайт "
      "может встроить страницу во фрейм (кликджекинг).",
      "Отправляйте X-Frame-Options: SAMEORIGIN или Content-Security-Policy: frame-ancestors 'self'.")),
    ("cookie_not_secure", "warning", "page", None,
     ("Cookie without Secure on HTTPS",
      "An https response sets a cookie without the Secure flag. The browser will also send it over plain "
      "http, where it can be read or stolen.",
      "Add Secure (and HttpOnly and SameSite where they fit) to every cookie the site sets."),
     ("Cookie без Secure на HTTPS",
      "https-ответ устанавливает cookie без флага Secure. Браузер будет отправлять её и по http, где её можно "
      "прочитать или украсть.",
      "Добавьте Secure (и HttpOnly, SameSite, где уместно) ко всем cookie сайта.")),
    ("form_insecure_action", "warning", "page", None,
     ("Form submits over plain http",
      "An https page has a form whose action is an http:// address. What users type (logins, contact details) "
      "travels unencrypted, and browsers warn them before submitting.",
      "Point the form's action at an https:// address (or a relative path)."),
     ("Форма отправляется по http",
      "На https-странице есть форма с action на http://-адрес. Всё, что вводит пользователь (логины, "
      "контакты), уходит без шифрования, а браузер предупреждает перед отправкой.",
      "Укажите в action формы https://-адрес или относительный путь.")),
    ("http_no_https_redirect", "warning", "site", None,
     ("HTTP does not redirect to HTTPS",
      "The page answers over plain http although the same host answers over https. Visitors and links stay on "
      "the insecure version, and search engines see two copies of the site. For a site crawled over http it "
      "is reported once, on the start page.",
      "301-redirect every http:// URL to its https:// address and send HSTS."),
     ("HTTP не перенаправляет на HTTPS",
      "Страница отвечает по http, хотя тот же хост отвечает и по https. Посетители и ссылки остаются на "
      "небезопасной версии, а поисковики видят две копии сайта. Если сайт обходится по http, проблема "
      "указывается один раз, на стартовой странице.",
      "Настройте 301-редирект с каждого http://-адреса на https:// и отправляйте HSTS.")),
]  # fmt: skip

CONTENT: list[Entry] = [
    ("soft_404", "warning", "page", None,
     ("Soft 404",
      "The page answers 200 OK but reads like an error page: its title or main heading says \"page not found\" "
      "(\"страница не найдена\"), or a short page says so in its text. Search engines treat it as missing and "
      "keep wasting crawls on it.",
      "Answer missing pages with 404 or 410, or 301-redirect them to a real replacement."),
     ("Мягкая 404",
      "Страница отвечает 200 OK, но выглядит как страница ошибки: заголовок или главный заголовок говорит "
      "«страница не найдена» («page not found»), либо об этом сказано в тексте короткой страницы. Поисковики "
      "считают её отсутствующей и продолжают тратить на неё обход.",
      "Отвечайте на отсутствующие страницы кодом 404 или 410 или перенаправляйте их 301 на замену.")),
    ("lorem_ipsum", "warning", "page", None,
     ("Placeholder text (lorem ipsum)",
      "The page contains \"lorem ipsum\" placeholder text: a template or draft went live unfinished.",
      "Replace the placeholder with real content, or keep the page unpublished until it is written."),
     ("Текст-заглушка (lorem ipsum)",
      "На странице есть текст-заглушка «lorem ipsum»: шаблон или черновик опубликован недоделанным.",
      "Замените заглушку настоящим текстом или не публикуйте страницу, пока она не готова.")),
    ("empty_page", "warning", "page", None,
     ("Empty page",
      "The page answers 200 but has no visible text at all (its content may be built by scripts that crawlers "
      "do not run, or the template is broken). Search engines treat empty pages as soft 404s.",
      "Render the content in the HTML, or answer 404 if the page has nothing to show."),
     ("Пустая страница",
      "Страница отвечает 200, но видимого текста на ней нет (содержимое строится скриптами, которые робот не "
      "выполняет, или сломан шаблон). Поисковики считают пустые страницы мягкими 404.",
      "Отдавайте содержимое в HTML или отвечайте 404, если странице нечего показать.")),
    ("html_lang_invalid", "warning", "page", None,
     ("Invalid html lang",
      "The <html lang> value is not a valid language tag (BCP 47 with an ISO 639 language, such as \"en\", "
      "\"ru\" or \"pt-BR\"): for example \"en_US\", \"english\" or \"ua\". Browsers, screen readers and "
      "translation tools then guess the language.",
      "Use a valid tag: a language code, optionally a region after a hyphen (en-GB, uk-UA)."),
     ("Неверный html lang",
      "Значение <html lang> — не корректный языковой тег (BCP 47 с кодом языка ISO 639, например «ru», «en» "
      "или «pt-BR»): например «en_US», «russian» или «ua». Браузеры, экранные дикторы и переводчики будут "
      "угадывать язык.",
      "Укажите корректный тег: код языка и, при необходимости, регион через дефис (ru-RU, uk-UA).")),
    ("charset_missing", "notice", "page", None,
     ("Character encoding not declared",
      "Neither the Content-Type header nor a <meta charset> in the first 2 KB says how the page is encoded. "
      "Browsers and crawlers guess, and a wrong guess turns text into mojibake.",
      "Send Content-Type: text/html; charset=utf-8 and put <meta charset=\"utf-8\"> first in <head>."),
     ("Кодировка не указана",
      "Ни заголовок Content-Type, ни <meta charset> в первых 2 КБ не указывают кодировку страницы. Браузеры и "
      "роботы угадывают её, и при ошибке текст превращается в «кракозябры».",
      "Отправляйте Content-Type: text/html; charset=utf-8 и ставьте <meta charset=\"utf-8\"> первым в <head>.")),
    ("doctype_missing", "notice", "page", None,
     ("Doctype missing",
      "The page does not start with <!DOCTYPE html>, so browsers render it in quirks mode, where layout and CSS "
      "behave differently (Lighthouse's doctype audit).",
      "Start every page with <!DOCTYPE html>."),
     ("Нет doctype",
      "Страница не начинается с <!DOCTYPE html>, поэтому браузер отображает её в режиме совместимости "
      "(quirks mode), где вёрстка и CSS работают иначе (аудит doctype в Lighthouse).",
      "Начинайте каждую страницу с <!DOCTYPE html>.")),
    ("meta_refresh", "notice", "page", None,
     ("Meta refresh",
      "The page uses <meta http-equiv=\"refresh\"> to reload or send visitors elsewhere. It is slow, breaks the "
      "back button and is a weaker signal to search engines than a real redirect.",
      "Use a server-side 301 redirect instead (or remove the refresh)."),
     ("Мета-обновление (meta refresh)",
      "Страница использует <meta http-equiv=\"refresh\"> для перезагрузки или перехода на другой адрес. Это "
      "медленно, ломает кнопку «назад» и для поисковиков слабее настоящего редиректа.",
      "Используйте серверный 301-редирект (или уберите refresh).")),
    ("open_graph_missing", "notice", "page", None,
     ("Open Graph tags missing",
      "The page lacks og:title or og:image. Social networks and messengers then build the link preview from "
      "guesses, often without a picture.",
      "Add <meta property=\"og:title\"> and <meta property=\"og:image\"> (plus og:description and og:url)."),
     ("Нет тегов Open Graph",
      "На странице нет og:title или og:image. Соцсети и мессенджеры строят превью ссылки наугад, часто без "
      "картинки.",
      "Добавьте <meta property=\"og:title\"> и <meta property=\"og:image\"> (а также og:description и og:url).")),
    ("twitter_card_missing", "notice", "page", None,
     ("Twitter card missing",
      "The page has no <meta name=\"twitter:card\">. X (Twitter) then shows the link without a card or with a "
      "small one.",
      "Add <meta name=\"twitter:card\" content=\"summary_large_image\"> (X reads the Open Graph tags for the "
      "rest)."),
     ("Нет Twitter Card",
      "На странице нет <meta name=\"twitter:card\">. X (Twitter) покажет ссылку без карточки или с маленькой.",
      "Добавьте <meta name=\"twitter:card\" content=\"summary_large_image\"> (остальное X возьмёт из Open "
      "Graph).")),
    ("viewport_zoom_disabled", "notice", "page", None,
     ("Viewport disables zooming",
      "The viewport meta tag sets user-scalable=no or a maximum-scale below 5, so people cannot zoom in on "
      "phones (Lighthouse's meta-viewport audit).",
      "Remove user-scalable=no and maximum-scale from the viewport tag."),
     ("Viewport запрещает масштабирование",
      "Мета-тег viewport задаёт user-scalable=no или maximum-scale меньше 5: на телефоне страницу нельзя "
      "увеличить (аудит meta-viewport в Lighthouse).",
      "Уберите user-scalable=no и maximum-scale из тега viewport.")),
    ("title_site_name_only", "warning", "page", None,
     ("Title is only the site name",
      "The page's title is just the site's name (its og:site_name or WebSite name). Search results then show "
      "the same words for every such page and say nothing about this one.",
      "Write a title that describes the page, and add the site name after it if you like."),
     ("Title — только название сайта",
      "Заголовок страницы — только название сайта (из og:site_name или WebSite). В поиске у всех таких "
      "страниц одинаковые заголовки, ничего не говорящие о самой странице.",
      "Напишите заголовок, описывающий страницу, а название сайта при желании добавьте после него.")),
    ("redirect_temporary", "notice", "page", None,
     ("Temporary redirect",
      "The URL answers with a temporary redirect (302, 303 or 307). Search engines keep the old URL indexed "
      "and may not pass its signals to the target; a permanent move should be a 301 or 308.",
      "Use 301 (or 308) for moves that are permanent; keep 302/307 only for truly temporary ones."),
     ("Временное перенаправление",
      "URL отвечает временным редиректом (302, 303 или 307). Поисковики оставляют в индексе старый адрес и "
      "могут не передать его сигналы новому; постоянный переезд должен быть 301 или 308.",
      "Для постоянных переездов используйте 301 (или 308), 302/307 — только для действительно временных.")),
    ("url_space", "notice", "page", None,
     ("Space in URL",
      "The URL contains a space (written %20 or +). Spaces break when URLs are pasted into text and mail, and "
      "invite several spellings of one address.",
      "Use hyphens instead of spaces and 301-redirect the old URLs."),
     ("Пробел в URL",
      "В URL есть пробел (%20 или +). Такие адреса ломаются при вставке в текст и письма и порождают разные "
      "написания одного адреса.",
      "Используйте дефисы вместо пробелов, старые адреса перенаправьте 301.")),
    ("url_double_slash", "notice", "page", None,
     ("Double slash in URL",
      "The URL path contains //. Servers usually answer both /a//b and /a/b, which makes duplicates, and it "
      "often reveals a broken link template.",
      "Fix the template that builds the links and 301-redirect the // variants."),
     ("Двойной слеш в URL",
      "В пути URL есть //. Серверы обычно отвечают и на /a//b, и на /a/b — получаются дубли, а причиной часто "
      "бывает ошибка в шаблоне ссылок.",
      "Исправьте шаблон, который строит ссылки, и перенаправьте варианты с // через 301.")),
    ("url_session_id", "warning", "page", None,
     ("Session id in URL",
      "The URL carries a session identifier (jsessionid, PHPSESSID, sid...). Every visit gets new URLs, so "
      "crawlers see endless duplicates and shared links leak sessions.",
      "Keep sessions in cookies and strip session parameters from URLs (with a 301 to the clean URL)."),
     ("Идентификатор сессии в URL",
      "В URL есть идентификатор сессии (jsessionid, PHPSESSID, sid...). При каждом визите адреса новые: робот "
      "видит бесконечные дубли, а при пересылке ссылки утекает сессия.",
      "Храните сессию в cookie и убирайте параметры сессии из URL (301 на чистый адрес).")),
    ("url_too_many_params", "notice", "page", "url_max_params",
     ("Too many URL parameters",
      "The URL has more query parameters than the threshold. Parameter combinations (filters, sorting, "
      "tracking) multiply into near-endless duplicate URLs that eat crawl budget.",
      "Keep indexable URLs short; canonicalise or block filter and tracking combinations."),
     ("Слишком много параметров в URL",
      "В URL больше параметров, чем задано порогом. Сочетания параметров (фильтры, сортировки, метки) "
      "порождают почти бесконечные дубли, которые съедают краулинговый бюджет.",
      "Делайте индексируемые URL короткими; для фильтров и меток используйте canonical или закройте их от "
      "обхода.")),
]  # fmt: skip

RESOURCES: list[Entry] = [
    ("resource_broken", "error", "site", None,
     ("Broken images, styles or scripts",
      "Some images, stylesheets or scripts the page loads answer 4xx/5xx or fail. Each one was requested once "
      "per crawl, politely; the details list them by type. Broken CSS or JavaScript can break the whole page.",
      "Fix or remove each reference listed in the details, or restore the missing files."),
     ("Битые картинки, стили или скрипты",
      "Часть картинок, стилей или скриптов страницы отвечает 4xx/5xx или не загружается. Каждый файл "
      "запрашивается один раз за обход, вежливо; в деталях они сгруппированы по типу. Битые CSS и JavaScript "
      "могут сломать всю страницу.",
      "Исправьте или уберите ссылки из деталей либо верните отсутствующие файлы.")),
    ("image_too_large", "warning", "site", "image_max_bytes",
     ("Oversized images",
      "Images on the page are larger (in bytes) than the threshold. Heavy images are the most common reason "
      "for slow pages on phones.",
      "Compress the images, serve modern formats (WebP, AVIF) and sizes that match how they are shown."),
     ("Слишком тяжёлые картинки",
      "Картинки на странице весят больше порога. Тяжёлые изображения — самая частая причина медленных страниц "
      "на телефонах.",
      "Сожмите картинки, отдавайте современные форматы (WebP, AVIF) и размеры под реальный показ.")),
    ("image_missing_dimensions", "notice", "page", None,
     ("Images without width and height",
      "Some <img> elements give no width and height (attributes or inline style). The browser cannot reserve "
      "their space, so the layout jumps as they load (Cumulative Layout Shift, Lighthouse's unsized-images).",
      "Add width and height attributes matching the image's aspect ratio; CSS can still scale it."),
     ("Картинки без width и height",
      "У части <img> не заданы ширина и высота (атрибутами или стилем). Браузер не может заранее выделить им "
      "место, и вёрстка «прыгает» при загрузке (CLS, аудит unsized-images в Lighthouse).",
      "Добавьте атрибуты width и height с пропорциями картинки; масштабировать можно и дальше через CSS.")),
    ("page_weight_too_large", "warning", "site", "page_weight_max_bytes",
     ("Heavy page",
      "The HTML plus the images, stylesheets and scripts it loads weigh more than the threshold (Lighthouse "
      "scores 4,000 KiB as poor). Large pages load slowly on mobile networks and cost users data.",
      "Compress and resize images, drop unused scripts and styles, and load below-the-fold media lazily."),
     ("Тяжёлая страница",
      "HTML вместе с загружаемыми картинками, стилями и скриптами весит больше порога (Lighthouse считает "
      "4000 КиБ плохим результатом). Тяжёлые страницы медленно грузятся в мобильных сетях и тратят трафик.",
      "Сожмите и уменьшите картинки, уберите неиспользуемые скрипты и стили, загружайте медиа ниже первого "
      "экрана лениво.")),
    ("render_blocking_script", "notice", "page", None,
     ("Render-blocking scripts",
      "The <head> loads external scripts without async, defer or type=\"module\". The browser stops building "
      "the page until each one is downloaded and run.",
      "Add defer (or async for independent scripts), or move the scripts to the end of <body>."),
     ("Скрипты, блокирующие отрисовку",
      "В <head> подключены внешние скрипты без async, defer или type=\"module\". Браузер не строит страницу, "
      "пока каждый из них не загрузится и не выполнится.",
      "Добавьте defer (или async для независимых скриптов) либо перенесите скрипты в конец <body>.")),
    ("favicon_missing", "notice", "site", None,
     ("Favicon missing",
      "The page names no working icon: its <link rel=\"icon\"> (or, without one, /favicon.ico) does not answer "
      "200. Browsers show a blank tab icon, and Google shows a generic globe next to the result.",
      "Add a favicon (at least 48x48 px) and reference it with <link rel=\"icon\" href=\"...\">."),
     ("Нет фавиконки",
      "У страницы нет рабочей иконки: <link rel=\"icon\"> (а без него /favicon.ico) не отвечает 200. Браузер "
      "показывает пустую иконку вкладки, а поиск — безликий значок рядом с результатом.",
      "Добавьте фавиконку (от 48x48 px) и укажите её через <link rel=\"icon\" href=\"...\">.")),
    ("pagination_broken", "warning", "site", None,
     ("Pagination points at missing pages",
      "A <link rel=\"next\"> or rel=\"prev\" leads to a URL that answers 4xx/5xx or fails: the series is "
      "broken, and crawlers following it hit dead ends.",
      "Point rel=next/prev at existing pages of the series, and drop them on the first and last page."),
     ("Пагинация ведёт на несуществующие страницы",
      "<link rel=\"next\"> или rel=\"prev\" ведёт на URL с ответом 4xx/5xx или ошибкой: серия страниц "
      "разорвана, и робот упирается в тупик.",
      "Указывайте в rel=next/prev существующие страницы серии и не ставьте их на первой и последней.")),
]  # fmt: skip

ENTRIES: list[Entry] = [*LINKS, *STRUCTURED, *SECURITY, *CONTENT, *RESOURCES]
