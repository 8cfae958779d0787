// callcard's own texts to customers, built in per language: plain data with no imports, so that the
// console (the flow settings' placeholders) and the runtime (./texts.ts) read the one copy.

/** The texts callcard itself may say, in the order the console lists them. */
export const TEXT_NAMES = ['failure', 'reask', 'carouselAltText', 'oneToOneOnly', 'verifyFirst', 'linkButton', 'linkFailed'] as const;
export type TextName = (typeof TEXT_NAMES)[number];

/** The built-in texts, by language. Written as a Taiwanese brand would write them to its customers. */
export const BUILT_IN_TEXTS = {
  'zh-TW': {
    failure: '抱歉，系統暫時出了點問題，請稍後再試一次。',
    reask: '抱歉，我沒有看懂您的回覆。{{ prompt }}',
    carouselAltText: '請查看最新訊息',
    oneToOneOnly: '這項服務請在一對一聊天中使用喔。',
    verifyFirst: '為了保護您的個人資料，這項服務僅限完成會員驗證的顧客使用，請先完成會員驗證。',
    linkButton: '登入會員',
    linkFailed: '帳號連結沒有完成，請再試一次。',
  },
  en: {
    failure: 'Sorry, something went wrong on our side. Please try again in a moment.',
    reask: 'Sorry, I did not get that. {{ prompt }}',
    carouselAltText: 'Carousel',
    oneToOneOnly: 'Please ask me in a one-to-one chat for this.',
    verifyFirst: 'To protect your personal data, this is only for verified members. Please verify your membership first.',
    linkButton: 'Log in',
    linkFailed: 'Your account could not be linked. Please try again.',
  },
} as const satisfies Record<'zh-TW' | 'en', Record<TextName, string>>;
