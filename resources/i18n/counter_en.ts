<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="29"/>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="30"/>
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="31"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="32"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="33"/>
        <source>接件时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="34"/>
        <source>承诺办结</source>
        <translation>Due</translation>
    </message>
</context>
<context>
    <name>ChoiceDialog</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="130"/>
        <source>不指定</source>
        <translation>Any</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="133"/>
        <source>说明</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>FinishDialog</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="81"/>
        <source>结束办理 {number}</source>
        <translation>Finish {number}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="82"/>
        <source>办件（已登记办件）</source>
        <translation>Case (cases recorded)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="83"/>
        <source>咨询（未形成办件）</source>
        <translation>Enquiry (no case)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="85"/>
        <source>办件编号，多个用逗号分隔</source>
        <translation>Case numbers, separated by commas</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="98"/>
        <source>请选择办理结果：</source>
        <translation>Choose the outcome:</translation>
    </message>
</context>
<context>
    <name>HallDisplay</name>
    <message>
        <location filename="../../counter_app/ui/display.py" line="22"/>
        <source>实时</source>
        <translation>Live</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="23"/>
        <source>轮询</source>
        <translation>Polling</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="24"/>
        <source>与服务器断开，显示可能不是最新</source>
        <translation>Disconnected from the server: the screen may be out of date</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="46"/>
        <source>{hall} 叫号显示</source>
        <translation>{hall} · Call display</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="55"/>
        <source>欢迎光临，请取号后留意叫号</source>
        <translation>Welcome. Please take a ticket and watch for your number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="58"/>
        <source>（语音播报未开启）</source>
        <translation>(Voice announcements are off)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="70"/>
        <source>正在办理</source>
        <translation>Now serving</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="74"/>
        <source>最近叫号</source>
        <translation>Recent calls</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="77"/>
        <source>等候人数</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="129"/>
        <source>{number}  →  {window}号窗口</source>
        <translation>{number}  →  Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="136"/>
        <source>{category} 类  {count} 人</source>
        <translation>Queue {category}:  {count} waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="139"/>
        <source>暂无等候</source>
        <translation>Nobody waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="151"/>
        <source>请{number}号到{window}号窗口办理</source>
        <translation>Number {number}, please go to window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="162"/>
        <source>暂停服务</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="164"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
</context>
<context>
    <name>KioskScreen</name>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="49"/>
        <source>{hall} 取号</source>
        <translation>{hall} · Take a ticket</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="53"/>
        <source>请选择您要办理的业务</source>
        <translation>Please choose your service</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="56"/>
        <source>绿色通道（老年人、残疾人、军人等优先）</source>
        <translation>Priority lane (elderly, disabled, military and others first)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="58"/>
        <source>身份证号（可不填）</source>
        <translation>ID card number (optional)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="90"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="115"/>
        <source>正在取号…</source>
        <translation>Issuing your ticket…</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="130"/>
        <source>您已领取{number}号，前方等待{ahead}人</source>
        <translation>Your number is {number}; {ahead} waiting ahead of you</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="136"/>
        <source>网络中断期间取号，号码照常有效，请留意叫号</source>
        <translation>Issued while the network is down: your number is valid, please watch for your call</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="139"/>
        <source>请取走小票，留意叫号屏幕和语音提示</source>
        <translation>Please take your slip and watch the call screen and announcements</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="145"/>
        <source>取号失败，请稍后再试或联系工作人员</source>
        <translation>No ticket could be issued: please try again later or ask a member of staff</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/modes.py" line="61"/>
        <source>小票打印机不可用：{reason}，请向工作人员报号 {number}</source>
        <translation>The slip printer is unavailable ({reason}): please tell a member of staff your number {number}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="49"/>
        <source>{hall} · {window}号窗口 · 政务服务窗口系统</source>
        <translation>{hall} · Window {window} · Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="56"/>
        <source>受理 (Ctrl+N)</source>
        <translation>Intake (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="58"/>
        <source>办件 (Ctrl+F)</source>
        <translation>Cases (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="60"/>
        <source>今日办件 (Ctrl+T)</source>
        <translation>Today&apos;s cases (Ctrl+T)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="70"/>
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="79"/>
        <source>{name}（工号 {number}）</source>
        <translation>{name} (No. {number})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="80"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
</context>
<context>
    <name>QueueError</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="60"/>
        <source>无法连接电子监察服务器：请按取号单上的号码手工叫号，或无号办理</source>
        <translation>Cannot reach the e-supervision server: call the number on the citizen's slip by hand, or serve without a ticket</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="40"/>
        <source>午间休息</source>
        <translation>Lunch break</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="41"/>
        <source>临时离岗</source>
        <translation>Away briefly</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="42"/>
        <source>业务培训</source>
        <translation>Training</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="43"/>
        <source>设备故障</source>
        <translation>Equipment fault</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="44"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="169"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="171"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="339"/>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="181"/>
        <source>手工叫号：输入取号单上的号码</source>
        <translation>Manual call: type the number on the slip</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="187"/>
        <source>叫号</source>
        <translation>Call next</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="188"/>
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="189"/>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="190"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="264"/>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="191"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="248"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="307"/>
        <source>暂停服务</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="192"/>
        <source>开始办理</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="193"/>
        <source>挂起</source>
        <translation>Hold</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="194"/>
        <source>结束办理</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="195"/>
        <source>回呼挂起号</source>
        <translation>Call back held</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="196"/>
        <source>无号办理</source>
        <translation>Serve without ticket</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="248"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="262"/>
        <source>（本类别）</source>
        <translation>(same category)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="264"/>
        <source>转到类别</source>
        <translation>To category</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="265"/>
        <source>转到窗口</source>
        <translation>To window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="279"/>
        <source>请先开始办理，再结束</source>
        <translation>Start serving before finishing</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="307"/>
        <source>恢复服务</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="310"/>
        <source>当前没有等候的号</source>
        <translation>Nobody is waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="312"/>
        <source>离线办理：将在网络恢复后上报</source>
        <translation>Served offline: reported when the network is back</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="329"/>
        <source>[INTERNAL] 程序出错：{kind}</source>
        <translation>[INTERNAL] Program error: {kind}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="339"/>
        <source>暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="379"/>
        <source>等候人数：未连接服务器</source>
        <translation>Waiting: not connected to the server</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="383"/>
        <source>，</source>
        <comment>between the categories&apos; counts</comment>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="384"/>
        <source>{category} 类 {count} 人</source>
        <translation>{category}: {count}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="387"/>
        <source>等候：{counts}</source>
        <translation>Waiting — {counts}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="389"/>
        <source>{counts}（离线，{time} 时）</source>
        <translation>{counts} (offline, as of {time})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="395"/>
        <source>与服务器断开：这是最后一次收到的等候人数，可能已不是当前人数</source>
        <translation>Disconnected from the server: these are the last counts received and may no longer be current</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="82"/>
        <source>首次设置：窗口登记</source>
        <translation>First run: enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="84"/>
        <source>本机尚未登记。请管理员填写大厅代码、窗口号、电子监察服务器地址和一次性登记码。</source>
        <translation>This window is not enrolled yet. An administrator enters the hall code, the window number, the supervision server address and the one-time enrollment code.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="102"/>
        <source>登记本窗口</source>
        <translation>Enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="107"/>
        <source>大厅代码</source>
        <translation>Hall code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="108"/>
        <source>窗口号</source>
        <translation>Window number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="109"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="110"/>
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="126"/>
        <source>正在登记……</source>
        <translation>Enrolling…</translation>
    </message>
</context>
<context>
    <name>TicketState</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="49"/>
        <source>等候中</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="50"/>
        <source>已叫号</source>
        <translation>Called</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="51"/>
        <source>办理中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="52"/>
        <source>挂起</source>
        <translation>On hold</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="53"/>
        <source>已完成</source>
        <translation>Finished</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="54"/>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="55"/>
        <source>已转移</source>
        <translation>Transferred</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="56"/>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
</context>
<context>
    <name>TodayCases</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="92"/>
        <source>刷新 (F9)</source>
        <translation>Refresh (F9)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="112"/>
        <source>今日共 {n} 件</source>
        <translation>{n} cases today</translation>
    </message>
</context>
<context>
    <name>WindowStatusBar</name>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="48"/>
        <source>未连接</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="72"/>
        <source>未连接服务器</source>
        <translation>Server not contacted yet</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="74"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="76"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="78"/>
        <source>同步已停止 [{code}]</source>
        <translation>Sync stopped [{code}]</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="100"/>
        <source>已全部上报</source>
        <translation>All reported</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="105"/>
        <source>{n} 秒</source>
        <translation>{n} s</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="107"/>
        <source>{n} 分钟</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="109"/>
        <source>{h} 小时 {m} 分</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="110"/>
        <source>待上报 {n} 条，最早 {since}前</source>
        <translation>{n} waiting to report, oldest {since} ago</translation>
    </message>
</context>
<context>
    <name>faults</name>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="35"/>
        <source>程序内部错误，已记入日志，请联系技术支持</source>
        <translation>Internal error, logged; please call support</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="46"/>
        <source>出错了</source>
        <translation>Error</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="118"/>
        <source>程序内部错误：{kind}。详细信息已记入日志，请联系技术支持。</source>
        <translation>Internal error: {kind}. The details are in the log; please call support.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="124"/>
        <source>程序出错</source>
        <translation>Program error</translation>
    </message>
</context>
<context>
    <name>login</name>
    <message>
        <location filename="../../counter_app/ui/login.py" line="61"/>
        <source>工号</source>
        <translation>Number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="62"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="87"/>
        <source>请输入工号和密码</source>
        <translation>Enter your number and password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="132"/>
        <source>窗口登录</source>
        <translation>Window login</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="133"/>
        <source>政务服务窗口系统</source>
        <translation>Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="135"/>
        <source>{hall} · {window}号窗口</source>
        <translation>{hall} · Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="139"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="155"/>
        <location filename="../../counter_app/ui/login.py" line="156"/>
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="158"/>
        <source>{name}（工号 {number}）离开了窗口；本人或现场管理人员输入密码解锁</source>
        <translation>{name} (No. {number}) left the window; they or a supervisor unlock with a password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="163"/>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
</context>
</TS>
