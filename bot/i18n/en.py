"""English messages. Keys are shared with `ko.py`; `{name}` fields are filled by `bot.i18n.t`."""

MESSAGES: dict[str, str] = {
    # commands (menu)
    "cmd_start": "Start",
    "cmd_help": "How it works",
    "cmd_invite": "Invite someone (QR code)",
    "cmd_age": "Age a child's face",
    "cmd_settings": "Default mode and language",
    "cmd_privacy": "What is kept, and for how long",
    "cmd_cancel": "Cancel what I'm doing",
    "cmd_delete": "Forget everything about me now",
    # conversation
    "start": (
        "Hi! I'm Nobody.\n\n"
        "Send me a photo and I'll replace the faces you choose with faces of people who don't exist, "
        "so you can share it without showing anyone who didn't agree to it.\n\n"
        "With /age I can also show how a child's face may look years later, for families searching for "
        "a missing child.\n\n/help explains more."
    ),
    "start_invited": "Welcome! Someone who uses Nobody invited you.",
    "help": (
        "How it works:\n"
        "1. Send a photo (as a photo, or as a file for full resolution). Albums work too.\n"
        "2. I send back the photo with every face numbered.\n"
        "3. Tap the numbers of the faces to keep. All other faces are replaced.\n"
        "4. Tap Done: you get the result as a photo and as a full-quality file.\n\n"
        "/age: age a child's face · /settings: default mode and language · /invite: QR code to share me · "
        "/privacy: what I keep · /cancel · /delete"
    ),
    "privacy": (
        "Privacy:\n"
        "• Your photo and your choices are kept for {minutes} minutes at most, only to finish your request, "
        "then deleted automatically.\n"
        "• I never log what is in your photos.\n"
        "• Your settings (mode, language) are kept until you /delete them.\n"
        "• A daily request counter is kept until midnight (UTC) to stop abuse.\n"
        "• /delete forgets everything else about you right now."
    ),
    "cancelled": "Cancelled. I deleted the photos you sent me.",
    "nothing_to_cancel": "There's nothing to cancel.",
    "deleted": "Done: I deleted your photos, your choices and your settings.",
    "invite_caption": "Scan this code or share the link to open Nobody:\n{link}",
    "unknown_text": "Send me a photo and I'll show you the faces in it.",
    # settings
    "settings": "Settings\nDefault mode: {mode}\nLanguage: {lang}",
    "settings_mode": "Mode",
    "settings_lang": "Language",
    "mode_replace": "Replace with new faces",
    "mode_blur": "Blur",
    "mode_pixelate": "Pixelate",
    "mode_solid": "Cover with a solid colour",
    "lang_auto": "Automatic",
    "lang_ko": "한국어",
    "lang_en": "English",
    "saved": "Saved.",
    # progress
    "status_download": "⏳ Receiving your photo…",
    "status_queued": "⏳ Waiting in line ({ahead} ahead of you)…",
    "status_analyze": "🔎 Looking for faces…",
    "status_anonymize": "🎨 Working on the faces… this can take a minute.",
    "status_age": "🕰 Working on the aged face…",
    "album_received": "Got {count} photos. I'll answer each one separately.",
    # anonymize
    "no_faces": "I couldn't find any faces in this photo, so there's nothing to hide. 🙂",
    "sheet_caption": (
        "I found {count} face(s).\n"
        "Tap a number to keep that face (✅). Every other face will be {mode_verb}.\n"
        "Keeping: {kept}"
    ),
    "sheet_page": "Page {page} of {pages}",
    "kept_none": "none",
    "verb_replace": "replaced by a face of nobody",
    "verb_blur": "blurred",
    "verb_pixelate": "pixelated",
    "verb_solid": "covered",
    "btn_keep_all": "Keep all",
    "btn_replace_all": "Replace all",
    "btn_done": "Done ✔",
    "btn_cancel": "Cancel",
    "btn_prev": "◀",
    "btn_next": "▶",
    "btn_retry": "🎲 Try other faces",
    "btn_go": "Start ▶",
    "working": "Working on it…",
    "result_replace": "Done: {changed} face(s) replaced by faces of nobody, {kept} kept.",
    "result_blur": "Done: {changed} face(s) blurred, {kept} kept.",
    "result_pixelate": "Done: {changed} face(s) pixelated, {kept} kept.",
    "result_solid": "Done: {changed} face(s) covered, {kept} kept.",
    "fallback_blur": "Face(s) {faces}: no convincing new face was found, so they were blurred instead.",
    "result_file": "Full-quality file (PNG): everything except the changed faces is identical to your photo.",
    "sheet_done": "Processing with faces kept: {kept}",
    "sheet_cancelled": "Cancelled. The photo is deleted.",
    "all_kept": "You chose to keep every face, so there is nothing to change. Tap a number to replace it.",
    # aging
    "age_send_photo": (
        "Send a photo of the child. A clear, front-facing face works best.\n"
        'Tip: you can also caption a photo with "age 20".'
    ),
    "age_pick_face": "Which face should I age? Tap its number.",
    "age_pick_targets": (
        "To which ages? Tap one or more (up to {max}), then Start.\n"
        'You can also type them, e.g. "15 20 30".\nChosen: {targets}'
    ),
    "age_targets_none": "none yet",
    "age_need_target": "Choose at least one age first.",
    "age_bad_input": 'Please type ages between {low} and {high}, e.g. "15 20 30" (at most {max}).',
    "age_unavailable": (
        "I'm sorry — face aging isn't available yet. I'd rather show you nothing than a made-up face. "
        "Your photo has been deleted; please try again later."
    ),
    "age_result": "Face {face}, aged to {ages}. This is an estimate, not a certainty.",
    # problems
    "expired": "This selection has expired (photos are kept for {minutes} minutes). Please send the photo again.",
    "not_yours": "Only the person who sent this photo can use these buttons.",
    "too_big": (
        "This file is {size} MB. Telegram only lets bots download files up to {limit} MB. "
        "Please send it as a photo (Telegram makes it smaller) or send a smaller file."
    ),
    "not_image": "That file doesn't look like a photo. I can read JPEG, PNG, WebP, HEIC and AVIF images.",
    "image_too_many_pixels": "This image is too large for me. Please send a smaller version.",
    "image_unreadable": "I couldn't read this image — it may be damaged or incomplete. Could you send it again?",
    "quota": "You've reached today's limit of {limit} photos. Please come back tomorrow (UTC). 🙏",
    "busy": "I'm very busy right now. Please try again in a few minutes.",
    "job_failed": "Sorry, something went wrong while working on your photo. Please try again.",
    "timeout": "Sorry, this is taking too long. Please try again later.",
    "unknown_face": "That face number doesn't exist in this photo any more. Please send the photo again.",
    "error": "Sorry, something went wrong on my side. Please try again.",
}
