"""The demo set's vocabulary: teams, people's names, places, products, faults, ticket topics
and the replies and notes agents write, in Chinese and English (see agentdesk.io.demo_data)."""

from __future__ import annotations

from dataclasses import dataclass

from agentdesk.domain.model import Category, ComplaintLevel, Role, RootCause

FRONT_LINE, TECHNICAL, AFTER_SALES, LEADS = "front_line", "technical", "after_sales", "leads"


TEAMS: tuple[tuple[str, str, str], ...] = (
    (FRONT_LINE, "Front line", "一线客服"),
    (TECHNICAL, "Technical support", "技术支持"),
    (AFTER_SALES, "After-sales service", "售后服务"),
    (LEADS, "Team leads", "主管组"),
)

# username, display name, role, team, language
AGENTS: tuple[tuple[str, str, Role, str, str], ...] = (
    ("zhang.wei", "张伟", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("wang.fang", "王芳", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("li.na", "李娜", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("liu.yang", "刘洋", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("chen.jing", "陈静", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("yang.lei", "杨磊", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("zhao.min", "赵敏", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("huang.ting", "黄婷", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("zhou.jie", "周杰", Role.AGENT, FRONT_LINE, "zh-CN"),
    ("emily.clark", "Emily Clark", Role.AGENT, FRONT_LINE, "en"),
    ("wu.hao", "吴昊", Role.AGENT, TECHNICAL, "zh-CN"),
    ("xu.qiang", "徐强", Role.AGENT, TECHNICAL, "zh-CN"),
    ("sun.li", "孙丽", Role.AGENT, TECHNICAL, "zh-CN"),
    ("ma.chao", "马超", Role.AGENT, TECHNICAL, "zh-CN"),
    ("james.miller", "James Miller", Role.AGENT, TECHNICAL, "en"),
    ("zhu.xia", "朱霞", Role.AGENT, AFTER_SALES, "zh-CN"),
    ("hu.jun", "胡军", Role.AGENT, AFTER_SALES, "zh-CN"),
    ("guo.peng", "郭鹏", Role.AGENT, AFTER_SALES, "zh-CN"),
    ("lin.hui", "林慧", Role.AGENT, AFTER_SALES, "zh-CN"),
    ("sarah.wilson", "Sarah Wilson", Role.AGENT, AFTER_SALES, "en"),
    ("he.jing", "何静", Role.LEAD, LEADS, "zh-CN"),
    ("gao.feng", "高峰", Role.LEAD, LEADS, "zh-CN"),
    ("luo.min", "罗敏", Role.SUPERVISOR, LEADS, "zh-CN"),
    ("liang.yu", "梁宇", Role.ADMIN, LEADS, "zh-CN"),
)

# sku, name_zh, name_en, line, list price (cents), popularity
PRODUCTS: tuple[tuple[str, str, str, str, int, float], ...] = (
    ("RV-X5", "扫地机器人 X5", "Robot Vacuum X5", "cleaning", 219_900, 10),
    ("RV-X7P", "扫地机器人 X7 Pro", "Robot Vacuum X7 Pro", "cleaning", 349_900, 6),
    ("MP-M9", "扫拖一体机 M9", "Robot Mop M9", "cleaning", 429_900, 4),
    ("CV-V8", "无线吸尘器 V8", "Cordless Vacuum V8", "cleaning", 159_900, 6),
    ("AP-A3", "空气净化器 A3", "Air Purifier A3", "air", 129_900, 6),
    ("HU-H2", "加湿器 H2", "Humidifier H2", "air", 39_900, 4),
    ("WP-P7", "净水器 P7", "Water Purifier P7", "kitchen", 259_900, 3),
    ("RC-R5", "智能电饭煲 R5", "Smart Rice Cooker R5", "kitchen", 59_900, 7),
    ("AF-F4", "空气炸锅 F4", "Air Fryer F4", "kitchen", 39_900, 8),
    ("BL-B6", "破壁料理机 B6", "High-Speed Blender B6", "kitchen", 89_900, 3),
    ("DW-D8", "洗碗机 D8", "Dishwasher D8", "kitchen", 399_900, 3),
    ("DL-L3", "智能门锁 L3", "Smart Door Lock L3", "smart_home", 179_900, 4),
    ("CM-C2", "智能摄像头 C2", "Security Camera C2", "smart_home", 29_900, 5),
    ("SP-S1", "智能音箱 S1", "Smart Speaker S1", "smart_home", 34_900, 4),
    ("EB-E3P", "无线耳机 E3 Pro", "Wireless Earbuds E3 Pro", "audio", 79_900, 7),
    ("SW-W2", "智能手表 W2", "Smartwatch W2", "wearables", 129_900, 5),
    ("TB-T1", "电动牙刷 T1", "Electric Toothbrush T1", "personal_care", 29_900, 5),
    ("HD-D5", "高速吹风机 D5", "High-Speed Hair Dryer D5", "personal_care", 69_900, 4),
)

# Hardware faults (repairs, exchanges, quality complaints): zh, en verb phrase.
FAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "cleaning": (
        ("主刷发出异响", "makes a grinding noise from the main brush"),
        ("充满电只能工作不到 20 分钟", "runs for less than 20 minutes on a full charge"),
        ("一侧驱动轮卡死，原地打转", "spins in circles because a drive wheel is stuck"),
        ("无法开机", "won't switch on"),
    ),
    "air": (
        ("风机异响明显", "makes a loud rattling noise"),
        ("显示屏不亮", "has a blank display"),
        ("出风有焦糊味", "blows out air that smells burnt"),
        ("无法开机", "won't switch on"),
    ),
    "kitchen": (
        ("加热不均匀", "heats unevenly"),
        ("运行时跳闸", "trips the circuit breaker"),
        ("底部漏水", "leaks water from the bottom"),
        ("内胆涂层脱落", "has a peeling inner coating"),
    ),
    "smart_home": (
        ("电机卡住", "has a jammed motor"),
        ("屏幕出现裂纹", "has a cracked screen"),
        ("频繁自动重启", "keeps rebooting by itself"),
        ("无法开机", "won't switch on"),
    ),
    "audio": (
        ("右耳没有声音", "has no sound in the right earbud"),
        ("充电盒无法充电", "has a charging case that won't charge"),
        ("电流声明显", "makes a loud hissing noise"),
    ),
    "wearables": (
        ("屏幕触控失灵", "has an unresponsive touch screen"),
        ("无法充电", "won't charge"),
        ("表带连接处断裂", "has a broken strap lug"),
    ),
    "personal_care": (
        ("无法充电", "won't charge"),
        ("马达异响", "makes a loud motor noise"),
        ("使用中突然断电", "cuts out while in use"),
    ),
}

# Usage problems (technical support): zh, en verb phrase.
_COMMON_ISSUES = (
    ("无法连接 Wi-Fi", "won't connect to Wi-Fi"),
    ("在 APP 中频繁显示离线", "keeps showing as offline in the app"),
    ("定时任务不执行", "ignores its schedule"),
)
ISSUES: dict[str, tuple[tuple[str, str], ...]] = {
    "cleaning": (
        *_COMMON_ISSUES,
        ("地图丢失，无法按房间清扫", "lost its map and can't clean room by room"),
        ("找不到充电座，无法自动回充", "can't find its dock to recharge"),
        ("禁区设置不生效", "ignores the no-go zones"),
    ),
    "air": (
        *_COMMON_ISSUES,
        ("滤网寿命提醒无法复位", "won't reset the filter reminder"),
        ("自动模式下风速一直最大", "runs at full speed in auto mode"),
    ),
    "kitchen": (
        *_COMMON_ISSUES,
        ("预约功能不生效", "ignores the delay-start timer"),
        ("菜谱无法同步到设备", "won't sync recipes from the app"),
    ),
    "smart_home": (
        *_COMMON_ISSUES,
        ("指纹录入失败", "fails to enroll new fingerprints"),
        ("远程操作提示超时", "times out on remote commands"),
        ("回放录像无法加载", "won't load recorded video"),
    ),
    "audio": (
        ("与手机配对后频繁断连", "keeps disconnecting from the phone"),
        ("降噪模式无法切换", "won't switch noise-cancelling modes"),
        ("固件升级后音量变小", "got quieter after the firmware update"),
    ),
    "wearables": (
        ("心率数据不同步", "doesn't sync heart-rate data"),
        ("收不到消息通知", "doesn't show message notifications"),
        ("与手机配对后频繁断连", "keeps disconnecting from the phone"),
    ),
    "personal_care": (
        ("APP 中不显示使用报告", "doesn't show usage reports in the app"),
        ("档位记忆失效", "forgets its speed setting"),
    ),
}

SETTINGS = (
    ("勿扰模式", "do-not-disturb mode"),
    ("定时预约", "scheduled start"),
    ("童锁", "child lock"),
    ("语音提示音量", "voice prompt volume"),
    ("节能模式", "eco mode"),
)
PHONE_MODELS = ("iPhone 15", "华为 Mate 60", "小米 14", "OPPO Find X7", "vivo X100", "荣耀 Magic6")
COMPENSATION = (
    ("补偿 100 元优惠券", "offered a CNY 100 voucher"),
    ("延长保修一年", "extended the warranty by one year"),
    ("赠送一套原装耗材", "sent a free set of original consumables"),
    ("免除本次服务费用", "waived the service fee"),
)


@dataclass(frozen=True)
class Topic:
    """One kind of contact: subject, description, request and resolution, likely root causes."""

    zh: tuple[str, str, str]
    en: tuple[str, str, str]
    resolution: tuple[str, str]
    root_causes: tuple[RootCause, ...]
    needs_order: bool = True
    recent: int = 0  # the order must be at most this many days old (0: any order)
    levels: tuple[ComplaintLevel, ...] = ()


RC = RootCause
TOPICS: dict[Category, tuple[Topic, ...]] = {
    Category.INQUIRY: (
        Topic(
            (
                "{product} 保修期咨询",
                "客户购买了{product}（订单 {order}），"
                "想了解整机和配件的保修期限，以及保修需要哪些凭证。",
                "希望告知保修期限和保修所需材料。",
            ),
            (
                "Warranty period for {product}",
                "The customer bought a {product} (order {order}) and asks how long the warranty "
                "lasts and what proof is needed for a claim.",
                "Tell me the warranty period and which documents I need.",
            ),
            (
                "已告知整机保修一年、核心部件保修三年，凭订单号即可保修，客户表示清楚。",
                "Explained the one-year product and three-year core-part warranty; the order "
                "number is proof enough.",
            ),
            (RC.INFORMATION_GAP, RC.USAGE_QUESTION),
        ),
        Topic(
            (
                "订单 {order} 电子发票开具",
                "客户需要为订单 {order}（{product}）开具增值税普通发票，下单时未勾选发票。",
                "希望尽快开具电子发票并发送到邮箱。",
            ),
            (
                "Invoice for order {order}",
                "The customer needs a VAT invoice for order {order} ({product}); no invoice was "
                "requested at checkout.",
                "Please issue an electronic invoice and e-mail it to me.",
            ),
            (
                "电子发票已开具并发送至客户邮箱。",
                "Issued the electronic invoice and e-mailed it to the customer.",
            ),
            (RC.PROCESS, RC.INFORMATION_GAP),
        ),
        Topic(
            (
                "{product} 耗材和配件购买",
                "客户询问{product} 的滤网、刷头等耗材在哪里购买，以及多久需要更换一次。",
                "希望提供官方购买渠道和更换周期。",
            ),
            (
                "Consumables for {product}",
                "The customer asks where to buy filters and brushes for the {product} and how "
                "often to replace them.",
                "Send me the official shop link and the replacement interval.",
            ),
            (
                "已发送官方商城耗材链接和更换周期说明。",
                "Sent the official shop link for consumables and the replacement intervals.",
            ),
            (RC.INFORMATION_GAP, RC.USAGE_QUESTION),
            needs_order=False,
        ),
        Topic(
            (
                "订单 {order} 物流进度查询",
                "客户下单{product} 已 {days} 天，物流信息一直没有更新。",
                "希望确认发货状态和预计到货时间。",
            ),
            (
                "Where is my order {order}?",
                "The customer ordered a {product} {days} days ago and the tracking has not "
                "updated since.",
                "Confirm the shipping status and the expected delivery date.",
            ),
            (
                "已联系物流核实，包裹在转运中，预计明天送达，已告知客户。",
                "Checked with the carrier: the parcel is in transit and arrives tomorrow; "
                "customer informed.",
            ),
            (RC.DELIVERY_DELAY, RC.INFORMATION_GAP),
            recent=12,
        ),
        Topic(
            (
                "会员积分和优惠券使用咨询",
                "客户询问购买{product} 获得的积分何时到账，以及优惠券能否叠加使用。",
                "希望说明积分到账时间和使用规则。",
            ),
            (
                "Loyalty points for my purchase",
                "The customer asks when the points for the {product} purchase will be credited "
                "and whether coupons can be combined.",
                "Explain when the points arrive and how to use them.",
            ),
            (
                "已说明积分在确认收货后 7 天到账，优惠券不可叠加使用。",
                "Explained that points arrive 7 days after delivery and that coupons cannot be "
                "combined.",
            ),
            (RC.INFORMATION_GAP, RC.OTHER),
        ),
    ),
    Category.PRESALES: (
        Topic(
            (
                "{product} 与其他型号对比",
                "客户准备购买{product}，想了解它和上一代产品在性能、噪音和续航上的区别。",
                "希望给出型号对比和购买建议。",
            ),
            (
                "{product} compared with other models",
                "The customer is about to buy a {product} and wants to know how it differs from "
                "the previous model in performance, noise and battery life.",
                "Recommend the right model for my home.",
            ),
            (
                "已发送型号对比表并推荐合适型号，客户已下单。",
                "Sent the model comparison and a recommendation; the customer placed an order.",
            ),
            (RC.INFORMATION_GAP,),
            needs_order=False,
        ),
        Topic(
            (
                "{product} 活动价格与赠品咨询",
                "客户看到{product} 的促销活动，询问活动价格、赠品以及是否支持价格保护。",
                "希望确认活动价和价保规则。",
            ),
            (
                "Promotion price for {product}",
                "The customer saw a promotion for the {product} and asks about the price, the "
                "free gifts and price protection.",
                "Confirm the promotion price and the price-protection rules.",
            ),
            (
                "已确认活动价和价保规则，客户表示会在活动期内下单。",
                "Confirmed the promotion price and price protection; the customer will order "
                "during the promotion.",
            ),
            (RC.INFORMATION_GAP, RC.OTHER),
            needs_order=False,
        ),
        Topic(
            (
                "{product} 安装与上门服务咨询",
                "客户询问购买{product} 后是否提供免费上门安装，需要提前多久预约。",
                "希望了解安装服务范围和预约方式。",
            ),
            (
                "Installation service for {product}",
                "The customer asks whether installation of the {product} is free and how far in "
                "advance to book it.",
                "Tell me how to book the installation.",
            ),
            (
                "已说明免费安装范围，并协助客户预约了安装时间。",
                "Explained the free installation service and booked a slot for the customer.",
            ),
            (RC.INFORMATION_GAP,),
            needs_order=False,
        ),
        Topic(
            (
                "{product} 兼容性咨询",
                "客户想确认{product} 是否支持家里的 5GHz Wi-Fi 以及语音助手控制。",
                "希望确认兼容性后再下单。",
            ),
            (
                "Does {product} work with my setup?",
                "The customer wants to know whether the {product} works with 5 GHz Wi-Fi and "
                "voice assistants.",
                "Confirm compatibility before I order.",
            ),
            (
                "已确认支持 2.4GHz/5GHz 双频 Wi-Fi 和主流语音助手。",
                "Confirmed dual-band 2.4/5 GHz Wi-Fi and support for the main voice assistants.",
            ),
            (RC.INFORMATION_GAP, RC.USAGE_QUESTION),
            needs_order=False,
        ),
        Topic(
            (
                "{product} 企业批量采购咨询",
                "客户所在公司计划采购 {qty} 台{product}，询问团购价格和开票方式。",
                "希望提供批量采购报价。",
            ),
            (
                "Bulk purchase of {product}",
                "The customer's company plans to buy {qty} units of the {product} and asks about "
                "volume pricing and invoicing.",
                "Send me a quote for a bulk order.",
            ),
            (
                "已转企业采购专员报价，报价单已发送至客户邮箱。",
                "Passed to the corporate sales team; the quote has been e-mailed.",
            ),
            (RC.INFORMATION_GAP, RC.OTHER),
            needs_order=False,
        ),
    ),
    Category.TECHNICAL: (
        Topic(
            (
                "{product} {issue}",
                "客户反映{product} {issue}，已尝试重启设备和路由器，问题依旧。固件版本 {fw}。",
                "希望远程指导解决。",
            ),
            (
                "{product}: {issue}",
                "The customer reports that the {product} {issue}. Restarting the device and the "
                "router did not help. Firmware {fw}.",
                "Walk me through fixing it.",
            ),
            (
                "远程指导客户重置网络并将固件升级至 {fw}，设备恢复正常。",
                "Guided the customer through a network reset and a firmware update to {fw}; the "
                "device works again.",
            ),
            (RC.USAGE_QUESTION, RC.PRODUCT_DEFECT, RC.INFORMATION_GAP),
            needs_order=False,
        ),
        Topic(
            (
                "APP 中无法添加{product}",
                "客户在 APP 中添加{product} 时一直提示“配网失败”，手机型号 {phone_model}。",
                "希望尽快恢复 APP 控制。",
            ),
            (
                "Cannot add {product} in the app",
                "Adding the {product} in the app keeps failing with 'network setup failed'. "
                "Phone: {phone_model}.",
                "Help me get the app working again.",
            ),
            (
                "指导客户切换到 2.4GHz 网络并重新配网，设备添加成功。",
                "Had the customer switch to the 2.4 GHz network and pair again; the device was "
                "added.",
            ),
            (RC.USAGE_QUESTION, RC.PRODUCT_DEFECT),
            needs_order=False,
        ),
        Topic(
            (
                "{product} 固件升级失败",
                "客户升级{product} 固件时进度卡在 {pct}%，之后设备无法正常启动。",
                "希望指导恢复设备，或安排检测。",
            ),
            (
                "Firmware update failed on {product}",
                "The firmware update of the {product} stopped at {pct}% and the device no longer "
                "starts normally.",
                "Help me recover the device or arrange an inspection.",
            ),
            (
                "指导客户进入恢复模式重新刷写固件 {fw}，设备恢复正常。",
                "Guided the customer through recovery mode and a fresh install of firmware {fw}; "
                "the device works again.",
            ),
            (RC.PRODUCT_DEFECT, RC.USAGE_QUESTION),
        ),
        Topic(
            (
                "{product} {setting}设置",
                "客户不清楚如何在{product} 上设置{setting}，说明书中没有找到相关说明。",
                "希望提供详细的操作步骤。",
            ),
            (
                "Setting up {setting} on {product}",
                "The customer cannot find how to set up {setting} on the {product}; the manual "
                "does not cover it.",
                "Send me step-by-step instructions.",
            ),
            (
                "已发送图文操作指引，客户按步骤设置成功。",
                "Sent illustrated instructions; the customer completed the setup.",
            ),
            (RC.USAGE_QUESTION, RC.INFORMATION_GAP),
            needs_order=False,
        ),
    ),
    Category.REPAIR: (
        Topic(
            (
                "{product} {fault}，申请维修",
                "客户的{product}（订单 {order}，{months} 个月前购买）{fault}，仍在保修期内。",
                "希望安排上门维修或寄修。",
            ),
            (
                "{product} {fault} – repair request",
                "The customer's {product} (order {order}, bought {months} months ago) {fault}. "
                "It is still under warranty.",
                "Arrange a repair visit or a mail-in repair.",
            ),
            (
                "已安排工程师上门，更换故障部件后测试正常。",
                "An engineer replaced the faulty part on site; the unit tested fine.",
            ),
            (RC.PRODUCT_DEFECT,),
        ),
        Topic(
            (
                "{product} 维修进度查询",
                "客户 {wait} 天前寄修{product}（{fault}），至今未收到维修结果。",
                "希望告知维修进度和寄回时间。",
            ),
            (
                "Status of my {product} repair",
                "The customer sent in the {product} for repair {wait} days ago (it {fault}) and "
                "has heard nothing since.",
                "Tell me when I will get it back.",
            ),
            (
                "已催促维修中心，设备已修复并顺丰寄回，运单号 {tracking}。",
                "Chased the repair centre; the unit is fixed and on its way back, tracking "
                "{tracking}.",
            ),
            (RC.PROCESS, RC.DELIVERY_DELAY, RC.PRODUCT_DEFECT),
        ),
        Topic(
            (
                "{product} 过保维修报价",
                "客户的{product} 已过保修期，{fault}，询问维修费用。",
                "希望先报价再决定是否维修。",
            ),
            (
                "Out-of-warranty repair quote for {product}",
                "The {product} is out of warranty and {fault}. The customer asks what a repair "
                "would cost.",
                "Give me a quote before any repair.",
            ),
            (
                "已报价 {quote}，客户同意维修，已安排寄修。",
                "Quoted {quote}; the customer agreed and a mail-in repair is booked.",
            ),
            (RC.PRODUCT_DEFECT, RC.OTHER),
        ),
        Topic(
            (
                "{product} 维修后再次故障",
                "客户的{product} 上个月刚维修过，现在又{fault}。",
                "要求更换整机。",
            ),
            (
                "{product} failed again after repair",
                "The {product} was repaired last month and now it {fault} again.",
                "Replace the unit.",
            ),
            (
                "经主管审批为客户更换新机，运单号 {tracking}。",
                "The team lead approved a replacement unit, shipped with tracking {tracking}.",
            ),
            (RC.PRODUCT_DEFECT, RC.PROCESS),
        ),
    ),
    Category.RETURN_EXCHANGE: (
        Topic(
            (
                "订单 {order} 申请七天无理由退货",
                "客户 {days} 天前收到{product}，包装完好未使用，因不符合预期申请无理由退货。",
                "希望安排上门取件并退款。",
            ),
            (
                "Return request for order {order}",
                "The customer received the {product} {days} days ago and wants to return it "
                "unused under the 7-day return policy.",
                "Arrange a pickup and refund me.",
            ),
            (
                "已安排上门取件，退款 {amount} 将在仓库签收后原路退回。",
                "Pickup booked; {amount} will be refunded once the warehouse receives the return.",
            ),
            (RC.OTHER, RC.INFORMATION_GAP),
            recent=7,
        ),
        Topic(
            (
                "{product} 收到即故障，申请换货",
                "客户收到{product}（订单 {order}）后首次使用即{fault}。",
                "要求换新机。",
            ),
            (
                "{product} faulty on arrival – exchange",
                "The {product} from order {order} {fault} the first time it was used.",
                "Send me a replacement unit.",
            ),
            (
                "已安排换新，新机已发出，运单号 {tracking}，故障机送达时取回。",
                "Replacement shipped, tracking {tracking}; the faulty unit is collected on "
                "delivery.",
            ),
            (RC.PRODUCT_DEFECT,),
            recent=15,
        ),
        Topic(
            (
                "订单 {order} 商品外包装破损",
                "客户签收{product} 时发现外箱破损、机身有划痕，已拍照留存。",
                "希望换一台完好的新机。",
            ),
            (
                "Damaged delivery for order {order}",
                "The box of the {product} arrived crushed and the unit is scratched; the "
                "customer has photos.",
                "Exchange it for an undamaged unit.",
            ),
            (
                "已确认运输破损，新机已发出，运单号 {tracking}。",
                "Transport damage confirmed; a new unit has shipped, tracking {tracking}.",
            ),
            (RC.DELIVERY_DELAY, RC.PROCESS, RC.OTHER),
            recent=10,
        ),
        Topic(
            (
                "订单 {order} 发错型号",
                "客户订购的是{product}，实际收到的是其他型号。",
                "要求尽快换成正确的型号。",
            ),
            (
                "Wrong model delivered for order {order}",
                "The customer ordered a {product} but received a different model.",
                "Send the right model as soon as possible.",
            ),
            (
                "已补发正确型号并安排取回错发商品，运单号 {tracking}。",
                "Sent the correct model and arranged collection of the wrong one, tracking "
                "{tracking}.",
            ),
            (RC.PROCESS,),
            recent=10,
        ),
    ),
    Category.REFUND: (
        Topic(
            (
                "订单 {order} 申请价保退差价",
                "客户购买{product} 后 {days} 天内降价，申请退还差价 {diff}。",
                "希望退还差价 {diff}。",
            ),
            (
                "Price-protection refund for order {order}",
                "The price of the {product} dropped {days} days after purchase; the customer "
                "claims the difference of {diff}.",
                "Refund the difference of {diff}.",
            ),
            (
                "已核实降价记录，差价 {diff} 已退回原支付账户。",
                "Price drop confirmed; the difference of {diff} was refunded to the original "
                "payment method.",
            ),
            (RC.PROCESS, RC.BILLING_ERROR),
            recent=30,
        ),
        Topic(
            (
                "订单 {order} 重复扣款",
                "客户支付{product} 订单时被扣款两次，每次 {amount}。",
                "要求退还多扣的 {amount}。",
            ),
            (
                "Charged twice for order {order}",
                "The customer was charged {amount} twice when paying for the {product}.",
                "Refund the duplicate charge of {amount}.",
            ),
            (
                "已与支付渠道核实重复扣款，{amount} 已退回，预计 1–3 个工作日到账。",
                "Duplicate charge confirmed with the payment provider; {amount} refunded, "
                "arriving within 1–3 working days.",
            ),
            (RC.BILLING_ERROR,),
            recent=10,
        ),
        Topic(
            (
                "退货退款未到账",
                "客户已退回{product}（订单 {order}），"
                "仓库签收已超过 {wait} 天，退款 {amount} 仍未到账。",
                "希望尽快退款到原支付账户。",
            ),
            (
                "Refund not received for order {order}",
                "The returned {product} (order {order}) reached the warehouse {wait} days ago but "
                "the refund of {amount} has not arrived.",
                "Pay the refund to my original payment method.",
            ),
            (
                "已与财务核实并加急处理，退款 {amount} 已到账，客户确认收到。",
                "Escalated with finance; the refund of {amount} has been paid and the customer "
                "confirmed receipt.",
            ),
            (RC.PROCESS, RC.BILLING_ERROR, RC.DELIVERY_DELAY),
            recent=45,
        ),
        Topic(
            (
                "取消订单 {order} 并退款",
                "客户重复下单{product}，订单尚未发货，申请取消。",
                "希望取消订单并全额退款 {amount}。",
            ),
            (
                "Cancel order {order} and refund",
                "The customer ordered the {product} twice by mistake; the order has not shipped.",
                "Cancel the order and refund {amount} in full.",
            ),
            (
                "订单已取消，{amount} 已全额退款。",
                "Order cancelled and {amount} refunded in full.",
            ),
            (RC.PROCESS, RC.OTHER),
            recent=3,
        ),
    ),
    Category.COMPLAINT: (
        Topic(
            (
                "对客服响应速度不满",
                "客户反映上次咨询{product} 的问题时等待超过 {mins} 分钟才接通，"
                "承诺的回电也没有收到。",
                "希望有专人跟进并给出答复。",
            ),
            (
                "Unhappy with the waiting time",
                "The customer waited more than {mins} minutes to get through about the {product} "
                "and never received the promised call-back.",
                "Have someone follow up and give me an answer.",
            ),
            (
                "已向客户致歉并{comp}，来电排队问题已反馈运营团队。",
                "Apologised and {comp}; the queueing problem was reported to operations.",
            ),
            (RC.PROCESS, RC.STAFF_ATTITUDE),
            needs_order=False,
            levels=(ComplaintLevel.MINOR,),
        ),
        Topic(
            (
                "订单 {order} 配送严重延迟",
                "客户的{product} 承诺 {promise} 天内送达，目前已超期仍未收到，多次查询无果。",
                "要求尽快送达并给予补偿。",
            ),
            (
                "Order {order} delivered late",
                "The {product} was promised within {promise} days and still has not arrived; "
                "several enquiries got no answer.",
                "Deliver it now and compensate me.",
            ),
            (
                "已加急配送并送达，向客户致歉并{comp}。",
                "Expedited the delivery (now delivered), apologised and {comp}.",
            ),
            (RC.DELIVERY_DELAY,),
            recent=20,
            levels=(ComplaintLevel.MINOR, ComplaintLevel.MAJOR),
        ),
        Topic(
            (
                "安装师傅迟到且未提前通知",
                "客户预约了{product} 的上门安装，师傅迟到两个小时且没有提前通知。",
                "希望道歉并改进服务。",
            ),
            (
                "Installer arrived two hours late",
                "The installer for the {product} came two hours late without any notice.",
                "I want an apology and better service.",
            ),
            (
                "已向客户致歉并{comp}，安装服务商已被通报整改。",
                "Apologised and {comp}; the installation partner has been warned.",
            ),
            (RC.STAFF_ATTITUDE, RC.PROCESS),
            recent=30,
            levels=(ComplaintLevel.MINOR,),
        ),
        Topic(
            (
                "{product} 质量问题投诉",
                "客户的{product} 三个月内{fault}，已维修两次仍未解决，"
                "情绪激动，表示要在社交媒体曝光。",
                "要求退货退款并给予赔偿。",
            ),
            (
                "Complaint: repeated failures of {product}",
                "Within three months the {product} {fault}; two repairs have not fixed it. The "
                "customer is very upset and threatens to post about it on social media.",
                "Refund the product in full and compensate me.",
            ),
            (
                "经主管审批为客户办理退货退款并{comp}，问题已反馈质量部门。",
                "With the team lead's approval, refunded the product and {comp}; the fault was "
                "reported to quality.",
            ),
            (RC.PRODUCT_DEFECT,),
            levels=(ComplaintLevel.MAJOR,),
        ),
        Topic(
            (
                "投诉客服人员服务态度",
                "客户反映处理{product} 问题时，客服态度生硬，多次打断客户说话。",
                "要求相关人员道歉。",
            ),
            (
                "Complaint about an agent's attitude",
                "The customer says the agent handling the {product} issue was curt and kept "
                "interrupting.",
                "I want an apology from the person involved.",
            ),
            (
                "主管已电话致歉并{comp}，涉事客服已安排辅导。",
                "The team lead apologised by phone and {comp}; the agent involved is being "
                "coached.",
            ),
            (RC.STAFF_ATTITUDE,),
            needs_order=False,
            levels=(ComplaintLevel.MINOR, ComplaintLevel.MAJOR),
        ),
        Topic(
            (
                "{product} 使用中冒烟，存在安全隐患",
                "客户称{product} 使用过程中冒烟并有焦糊味，已拍照取证，"
                "表示将向市场监管部门投诉并保留追究法律责任的权利。",
                "要求书面答复、全额退款并赔偿损失。",
            ),
            (
                "{product} gave off smoke – safety complaint",
                "The customer says the {product} gave off smoke and a burning smell, has photos, "
                "will report it to the market regulator and reserves the right to take legal "
                "action.",
                "Reply in writing, refund in full and compensate for the damage.",
            ),
            (
                "已回收设备送检并书面答复客户，全额退款并{comp}，已上报质量与法务部门。",
                "Collected the unit for testing, replied in writing, refunded in full and {comp}; "
                "reported to quality and legal.",
            ),
            (RC.PRODUCT_DEFECT,),
            levels=(ComplaintLevel.LEGAL,),
        ),
        Topic(
            (
                "要求依据消费者权益保护法赔偿",
                "客户认为{product} 宣传的续航与实际严重不符，已咨询律师，"
                "要求依据《消费者权益保护法》获得赔偿。",
                "要求退一赔三。",
            ),
            (
                "Claim under consumer protection law",
                "The customer says the advertised battery life of the {product} is far from "
                "reality, has consulted a lawyer and claims compensation under consumer "
                "protection law.",
                "Refund the purchase and pay three times the price in compensation.",
            ),
            (
                "法务部门已书面答复，双方协商一致退款并{comp}。",
                "Legal replied in writing; agreed a refund and {comp}.",
            ),
            (RC.INFORMATION_GAP, RC.PRODUCT_DEFECT),
            levels=(ComplaintLevel.LEGAL,),
        ),
    ),
}

FIRST_REPLIES = (
    (
        "{name}您好，我是{agent}，您反映的问题已经收到，我会尽快帮您解决。",
        "Hello {name}, this is {agent}. I've received your request and I'll get this solved for "
        "you as fast as I can.",
    ),
    (
        "{name}您好，非常理解您的心情，这件事由我负责跟进，今天内给您答复。",
        "Hi {name}, I understand how frustrating this is. I'm taking ownership and will update "
        "you today.",
    ),
    (
        "{name}您好，感谢您的耐心等待，我已经在为您核实，有进展会第一时间通知您。",
        "Hello {name}, thank you for your patience. I'm checking this now and will let you know "
        "as soon as there is news.",
    ),
)
# What an agent asks for before the ticket waits on the customer, by category.
_ASK_EVIDENCE = (
    "为了进一步排查，麻烦您提供设备序列号和故障视频，收到后我们第一时间处理。",
    "To look into this further, could you send us the serial number and a short video of the "
    "fault? We'll pick it up as soon as we receive them.",
)
_ASK_VISIT = (
    "麻烦您确认一下收货地址和方便上门的时间，确认后马上为您安排。",
    "Could you confirm your address and a convenient time for the visit? We'll arrange it right "
    "away.",
)
_ASK_PAYMENT = (
    "麻烦您提供付款截图，方便我们核对扣款记录。",
    "Could you send us a screenshot of the payment so we can check the charges?",
)
_ASK_DETAILS = (
    "为了更好地帮您处理，麻烦您补充一下具体情况和方便联系的时间。",
    "So we can help you properly, could you tell us a bit more and when is a good time to call?",
)
WAIT_REPLIES: dict[str, tuple[tuple[str, str], ...]] = {
    Category.INQUIRY: (_ASK_DETAILS,),
    Category.PRESALES: (_ASK_DETAILS,),
    Category.TECHNICAL: (_ASK_EVIDENCE,),
    Category.REPAIR: (_ASK_EVIDENCE, _ASK_VISIT),
    Category.RETURN_EXCHANGE: (_ASK_VISIT, _ASK_EVIDENCE),
    Category.REFUND: (_ASK_PAYMENT,),
    Category.COMPLAINT: (_ASK_DETAILS, _ASK_EVIDENCE),
}
UPDATE_REPLIES = (
    (
        "您的问题已提交给相关部门处理，预计 24 小时内给您最新进展，请您放心。",
        "Your case is with the specialist team now; you'll have an update from us within 24 hours.",
    ),
    (
        "处理方案已经确认，我这边正在为您办理，办好后短信通知您。",
        "The solution is agreed and I'm processing it now; we'll text you when it's done.",
    ),
)
NOTES = (
    (
        "已核实订单 {order}，信息与客户描述一致。",
        "Checked order {order}; it matches the customer's account.",
    ),
    ("客户为{tier}会员，按优先级处理。", "Customer is a {tier} member; handling with priority."),
    ("已联系仓库确认库存，可当天发出。", "Warehouse confirms stock; can ship today."),
    (
        "电话回访未接通，已发短信告知处理进展。",
        "Call-back not answered; sent a text with the progress.",
    ),
)
FOLLOW_UPS = (  # the customer's own words at the follow-up call
    ("处理结果很满意，谢谢。", "Happy with how it was handled, thank you."),
    ("问题解决了，希望以后响应能再快一点。", "Solved; faster answers next time, please."),
)
TIER_NAMES = {"standard": ("普通", "standard"), "silver": ("银卡", "silver"),
              "gold": ("金卡", "gold"), "vip": ("VIP", "VIP")}  # fmt: skip

# Chinese names: surname, pinyin, weight (roughly by frequency).
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4),
    ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0),
    ("吴", "wu", 1.9), ("周", "zhou", 1.9), ("徐", "xu", 1.5), ("孙", "sun", 1.4),
    ("马", "ma", 1.3), ("朱", "zhu", 1.3), ("胡", "hu", 1.2), ("郭", "guo", 1.2),
    ("何", "he", 1.1), ("高", "gao", 1.0), ("林", "lin", 1.0), ("罗", "luo", 0.9),
    ("郑", "zheng", 0.9), ("梁", "liang", 0.9), ("谢", "xie", 0.8), ("宋", "song", 0.7),
    ("唐", "tang", 0.7), ("许", "xu", 0.7), ("韩", "han", 0.6), ("冯", "feng", 0.6),
    ("邓", "deng", 0.6), ("曹", "cao", 0.6), ("彭", "peng", 0.5), ("曾", "zeng", 0.5),
    ("肖", "xiao", 0.5), ("田", "tian", 0.5), ("董", "dong", 0.5), ("袁", "yuan", 0.5),
    ("潘", "pan", 0.4), ("于", "yu", 0.4), ("蒋", "jiang", 0.4), ("蔡", "cai", 0.4),
    ("余", "yu", 0.4), ("杜", "du", 0.4), ("叶", "ye", 0.4), ("程", "cheng", 0.4),
    ("苏", "su", 0.4), ("魏", "wei", 0.3), ("吕", "lv", 0.3), ("丁", "ding", 0.3),
    ("任", "ren", 0.3), ("沈", "shen", 0.3), ("姚", "yao", 0.3), ("卢", "lu", 0.3),
    ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("钟", "zhong", 0.3), ("谭", "tan", 0.3),
    ("陆", "lu", 0.3), ("汪", "wang", 0.3), ("范", "fan", 0.3), ("金", "jin", 0.3),
    ("石", "shi", 0.2), ("廖", "liao", 0.2), ("贾", "jia", 0.2), ("夏", "xia", 0.2),
    ("韦", "wei", 0.2), ("付", "fu", 0.2), ("方", "fang", 0.2), ("白", "bai", 0.2),
    ("邹", "zou", 0.2), ("孟", "meng", 0.2), ("熊", "xiong", 0.2), ("秦", "qin", 0.2),
    ("欧阳", "ouyang", 0.05), ("司马", "sima", 0.02),
)  # fmt: skip
GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("玲", "ling"), ("斌", "bin"), ("辉", "hui"), ("鑫", "xin"),
    ("秀英", "xiuying"), ("桂英", "guiying"), ("秀兰", "xiulan"), ("建华", "jianhua"),
    ("建国", "jianguo"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("晓东", "xiaodong"),
    ("丽娟", "lijuan"), ("红梅", "hongmei"), ("春梅", "chunmei"), ("国庆", "guoqing"),
    ("子涵", "zihan"), ("浩然", "haoran"), ("欣怡", "xinyi"), ("梓轩", "zixuan"),
    ("宇航", "yuhang"), ("思远", "siyuan"), ("雨桐", "yutong"), ("佳怡", "jiayi"),
    ("俊杰", "junjie"), ("嘉怡", "jiayi"), ("一鸣", "yiming"), ("诗琪", "shiqi"),
    ("梦瑶", "mengyao"), ("子豪", "zihao"), ("晨阳", "chenyang"), ("雅婷", "yating"),
    ("文博", "wenbo"), ("天宇", "tianyu"), ("若曦", "ruoxi"), ("明轩", "mingxuan"),
    ("晓雪", "xiaoxue"), ("志伟", "zhiwei"), ("丽华", "lihua"), ("建军", "jianjun"),
)  # fmt: skip
FIRST_NAMES = (
    "Emma", "Oliver", "Sophie", "James", "Charlotte", "Jack", "Amelia", "Harry", "Olivia",
    "Thomas", "Emily", "George", "Grace", "Daniel", "Hannah", "Michael", "Sarah", "David",
    "Laura", "Ryan", "Chloe", "Ben", "Lucy", "Matthew", "Anna", "Chris", "Megan", "Mark",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Miller", "Anderson", "Moore", "Martin", "Lee", "Harris", "Young",
)  # fmt: skip
CN_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
CN_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com")
EN_MAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.co.uk", "icloud.com", "yahoo.com")

# province, city, districts; romanised city and districts for addresses written in English.
CN_PLACES: tuple[tuple[str, str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"), "Shanghai",
     ("Pudong New Area", "Xuhui District", "Jing'an District", "Minhang District",
      "Yangpu District")),
    ("", "北京市", ("朝阳区", "海淀区", "东城区", "丰台区"), "Beijing",
     ("Chaoyang District", "Haidian District", "Dongcheng District", "Fengtai District")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), "Shenzhen",
     ("Nanshan District", "Futian District", "Bao'an District", "Longgang District")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区"), "Guangzhou",
     ("Tianhe District", "Yuexiu District", "Haizhu District", "Panyu District")),
    ("浙江省", "杭州市", ("西湖区", "滨江区", "余杭区", "拱墅区"), "Hangzhou",
     ("Xihu District", "Binjiang District", "Yuhang District", "Gongshu District")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "建邺区", "江宁区"), "Nanjing",
     ("Gulou District", "Xuanwu District", "Jianye District", "Jiangning District")),
    ("江苏省", "苏州市", ("姑苏区", "工业园区", "吴中区"), "Suzhou",
     ("Gusu District", "Suzhou Industrial Park", "Wuzhong District")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区", "青羊区"), "Chengdu",
     ("Wuhou District", "Jinjiang District", "Hi-tech Zone", "Qingyang District")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区"), "Wuhan",
     ("Hongshan District", "Jianghan District", "Wuchang District")),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区"), "Xi'an",
     ("Yanta District", "Beilin District", "Weiyang District")),
    ("", "重庆市", ("渝北区", "江北区", "南岸区"), "Chongqing",
     ("Yubei District", "Jiangbei District", "Nan'an District")),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区"), "Qingdao",
     ("Shinan District", "Laoshan District", "Huangdao District")),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区"), "Xiamen",
     ("Siming District", "Huli District", "Jimei District")),
    ("湖南省", "长沙市", ("岳麓区", "芙蓉区", "天心区"), "Changsha",
     ("Yuelu District", "Furong District", "Tianxin District")),
)  # fmt: skip
CN_STREETS = (
    ("中山路", "Zhongshan Road"), ("人民路", "Renmin Road"), ("解放路", "Jiefang Road"),
    ("建设路", "Jianshe Road"), ("科技园路", "Kejiyuan Road"), ("学府路", "Xuefu Road"),
    ("文化路", "Wenhua Road"), ("长江路", "Changjiang Road"), ("滨江大道", "Binjiang Avenue"),
    ("世纪大道", "Century Avenue"), ("和平路", "Heping Road"), ("新华路", "Xinhua Road"),
)  # fmt: skip
CN_ESTATES = (
    "阳光花园",
    "锦绣家园",
    "翠湖苑",
    "华府小区",
    "金色港湾",
    "幸福里",
    "紫荆公寓",
    "万科城",
)
UK_PLACES = (
    ("London", "SW1A 1AA"), ("Manchester", "M1 1AE"), ("Bristol", "BS1 4DJ"),
    ("Edinburgh", "EH1 1YZ"), ("Leeds", "LS1 4AP"),
)  # fmt: skip
US_PLACES = (("San Francisco, CA", "94105"), ("Seattle, WA", "98101"), ("Boston, MA", "02108"))
EN_STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Park Avenue",
    "Market Street",
    "Mill Road",
)
