"""한국어 메시지. 키는 `en.py`와 같습니다."""

MESSAGES: dict[str, str] = {
    # commands (menu)
    "cmd_start": "시작하기",
    "cmd_help": "사용 방법",
    "cmd_invite": "초대하기 (QR 코드)",
    "cmd_age": "아이 얼굴 나이 변환",
    "cmd_settings": "기본 방식과 언어 설정",
    "cmd_privacy": "보관하는 정보와 기간",
    "cmd_cancel": "진행 중인 작업 취소",
    "cmd_delete": "내 정보 지금 모두 삭제",
    # conversation
    "start": (
        "안녕하세요! Nobody입니다.\n\n"
        "사진을 보내 주시면, 고르신 얼굴을 세상에 없는 사람의 얼굴로 바꿔 드려요. "
        "동의하지 않은 사람의 얼굴을 드러내지 않고 사진을 나눌 수 있어요.\n\n"
        "/age 로는 실종된 아이를 찾는 가족을 위해, 아이가 몇 년 뒤 어떤 모습일지 보여 드릴 수 있어요.\n\n"
        "자세한 내용은 /help 를 눌러 주세요."
    ),
    "start_invited": "환영합니다! Nobody를 쓰는 분이 초대해 주셨어요.",
    "help": (
        "사용 방법:\n"
        "1. 사진을 보내 주세요 (원본 화질을 원하시면 파일로 보내 주세요). 여러 장을 묶어 보내셔도 돼요.\n"
        "2. 얼굴마다 번호를 붙인 사진을 보내 드려요.\n"
        "3. 그대로 남길 얼굴의 번호를 눌러 주세요. 나머지 얼굴은 모두 바뀌어요.\n"
        "4. 완료를 누르면 결과를 사진과 원본 화질 파일로 보내 드려요.\n\n"
        "/age: 아이 얼굴 나이 변환 · /settings: 기본 방식과 언어 · /invite: 초대용 QR 코드 · "
        "/privacy: 보관하는 정보 · /cancel: 취소 · /delete: 내 정보 삭제"
    ),
    "privacy": (
        "개인정보 안내:\n"
        "• 보내 주신 사진과 선택 내용은 요청을 처리하는 동안만, 최대 {minutes}분 보관한 뒤 자동으로 삭제해요.\n"
        "• 사진의 내용은 어떤 기록(로그)에도 남기지 않아요.\n"
        "• 설정(방식, 언어)은 /delete 하실 때까지 보관해요.\n"
        "• 남용을 막기 위해 하루 이용 횟수만 자정(UTC)까지 보관해요.\n"
        "• /delete 를 누르시면 그 밖의 모든 정보를 바로 삭제해요."
    ),
    "cancelled": "취소했어요. 보내 주신 사진도 삭제했어요.",
    "nothing_to_cancel": "취소할 작업이 없어요.",
    "deleted": "삭제했어요. 사진, 선택 내용, 설정을 모두 지웠어요.",
    "invite_caption": "이 코드를 스캔하거나 링크를 공유해서 Nobody를 열 수 있어요:\n{link}",
    "unknown_text": "사진을 보내 주시면 사진 속 얼굴을 찾아 드릴게요.",
    # settings
    "settings": "설정\n기본 방식: {mode}\n언어: {lang}",
    "settings_mode": "방식",
    "settings_lang": "언어",
    "mode_replace": "새 얼굴로 바꾸기",
    "mode_blur": "흐리게",
    "mode_pixelate": "모자이크",
    "mode_solid": "단색으로 가리기",
    "lang_auto": "자동",
    "lang_ko": "한국어",
    "lang_en": "English",
    "saved": "저장했어요.",
    # progress
    "status_download": "⏳ 사진을 받고 있어요…",
    "status_queued": "⏳ 순서를 기다리고 있어요 (앞에 {ahead}건)…",
    "status_analyze": "🔎 얼굴을 찾고 있어요…",
    "status_anonymize": "🎨 얼굴을 처리하고 있어요… 1분 정도 걸릴 수 있어요.",
    "status_age": "🕰 나이 든 얼굴을 만들고 있어요…",
    "album_received": "사진 {count}장을 받았어요. 한 장씩 따로 답해 드릴게요.",
    # anonymize
    "no_faces": "이 사진에서는 얼굴을 찾지 못했어요. 가릴 얼굴이 없네요. 🙂",
    "sheet_caption": (
        "얼굴 {count}개를 찾았어요.\n"
        "남길 얼굴의 번호를 눌러 주세요 (✅). 나머지 얼굴은 모두 {mode_verb}.\n"
        "남길 얼굴: {kept}"
    ),
    "sheet_page": "{page}/{pages} 쪽",
    "kept_none": "없음",
    "verb_replace": "세상에 없는 사람의 얼굴로 바뀌어요",
    "verb_blur": "흐리게 처리돼요",
    "verb_pixelate": "모자이크 처리돼요",
    "verb_solid": "가려져요",
    "btn_keep_all": "모두 남기기",
    "btn_replace_all": "모두 바꾸기",
    "btn_done": "완료 ✔",
    "btn_cancel": "취소",
    "btn_prev": "◀",
    "btn_next": "▶",
    "btn_retry": "🎲 다른 얼굴로 다시",
    "btn_go": "시작 ▶",
    "working": "작업 중이에요…",
    "result_replace": "완료! 얼굴 {changed}개를 세상에 없는 사람의 얼굴로 바꾸고, {kept}개는 그대로 두었어요.",
    "result_blur": "완료! 얼굴 {changed}개를 흐리게 처리하고, {kept}개는 그대로 두었어요.",
    "result_pixelate": "완료! 얼굴 {changed}개를 모자이크 처리하고, {kept}개는 그대로 두었어요.",
    "result_solid": "완료! 얼굴 {changed}개를 단색으로 가리고, {kept}개는 그대로 두었어요.",
    "fallback_blur": "{faces}번 얼굴은 자연스러운 새 얼굴을 찾지 못해서 대신 흐리게 처리했어요.",
    "result_file": "원본 화질 파일(PNG)이에요. 바뀐 얼굴을 빼고는 보내 주신 사진과 똑같아요.",
    "sheet_done": "처리 중이에요. 남길 얼굴: {kept}",
    "sheet_cancelled": "취소했어요. 사진은 삭제했어요.",
    "all_kept": "모든 얼굴을 남기도록 고르셔서 바꿀 얼굴이 없어요. 바꿀 얼굴의 번호를 눌러 주세요.",
    # aging
    "age_send_photo": (
        "아이의 사진을 보내 주세요. 얼굴이 정면으로 또렷하게 나온 사진이 가장 좋아요.\n"
        '팁: 사진 설명에 "나이 20"처럼 적어서 보내셔도 돼요.'
    ),
    "age_pick_face": "어느 얼굴의 나이를 바꿀까요? 번호를 눌러 주세요.",
    "age_pick_targets": (
        "몇 살의 모습을 볼까요? 하나 이상 고른 뒤 (최대 {max}개) 시작을 눌러 주세요.\n"
        '"15 20 30"처럼 직접 입력하셔도 돼요.\n고른 나이: {targets}'
    ),
    "age_targets_none": "아직 없음",
    "age_need_target": "먼저 나이를 하나 이상 골라 주세요.",
    "age_bad_input": '{low}~{high} 사이의 나이를 "15 20 30"처럼 입력해 주세요 (최대 {max}개).',
    "age_unavailable": (
        "죄송해요. 얼굴 나이 변환 기능은 아직 준비 중이에요. 지어낸 얼굴을 보여 드리기보다는 "
        "솔직하게 말씀드리는 게 맞다고 생각해요. 보내 주신 사진은 삭제했어요. 나중에 다시 시도해 주세요."
    ),
    "age_result": "{face}번 얼굴의 {ages}살 모습이에요. 추정한 모습일 뿐, 확실한 것은 아니에요.",
    # problems
    "expired": "선택 시간이 지났어요 (사진은 {minutes}분 동안만 보관해요). 사진을 다시 보내 주세요.",
    "not_yours": "이 사진을 보낸 분만 이 버튼을 누를 수 있어요.",
    "too_big": (
        "이 파일은 {size}MB예요. 텔레그램에서는 봇이 {limit}MB까지만 받을 수 있어요. "
        "사진으로 보내 주시거나 (텔레그램이 크기를 줄여 줘요) 더 작은 파일을 보내 주세요."
    ),
    "not_image": "사진 파일이 아닌 것 같아요. JPEG, PNG, WebP, HEIC, AVIF 이미지를 읽을 수 있어요.",
    "image_too_many_pixels": "이미지가 너무 커요. 더 작은 크기로 보내 주세요.",
    "image_unreadable": "이미지를 읽지 못했어요. 파일이 손상되었거나 덜 받아진 것 같아요. 다시 보내 주시겠어요?",
    "quota": "오늘 이용 한도({limit}장)를 모두 쓰셨어요. 내일(UTC 기준) 다시 이용해 주세요. 🙏",
    "busy": "지금 요청이 많아요. 몇 분 뒤에 다시 시도해 주세요.",
    "job_failed": "죄송해요, 사진을 처리하다가 문제가 생겼어요. 다시 시도해 주세요.",
    "timeout": "죄송해요, 시간이 너무 오래 걸리고 있어요. 잠시 후 다시 시도해 주세요.",
    "unknown_face": "그 번호의 얼굴을 찾을 수 없어요. 사진을 다시 보내 주세요.",
    "error": "죄송해요, 문제가 생겼어요. 다시 시도해 주세요.",
}
